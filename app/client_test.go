package app

import (
	"errors"
	"fmt"
	"syscall"
	"testing"

	"github.com/parley-chat/parley/rendezvous"
)

func TestFriendshipAndMessagesOnline(t *testing.T) {
	node := startNode(t)
	alice, bob := newUser(t, "alice", node.addr), newUser(t, "bob", node.addr)
	befriend(t, alice, bob)

	id, err := alice.c.Send(t.Context(), bob.id(), "hello bob")
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	bob.wait("message", isArrived("hello bob"))
	alice.wait("delivered", isStatus(id, StatusDelivered))

	id2, err := bob.c.Send(t.Context(), alice.id(), "hello alice")
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	alice.wait("message", isArrived("hello alice"))
	bob.wait("delivered", isStatus(id2, StatusDelivered))

	hist, err := alice.c.History(t.Context(), bob.id(), "", 10)
	if err != nil || len(hist) != 2 || hist[0].Text != "hello alice" || !hist[1].Outgoing {
		t.Fatalf("History = %+v, %v", hist, err)
	}
	older, err := alice.c.History(t.Context(), bob.id(), hist[0].ID, 10)
	if err != nil || len(older) != 1 || older[0].ID != hist[1].ID {
		t.Fatalf("History(before newest) = %+v, %v; want the older one", older, err)
	}
	if _, err := alice.c.History(t.Context(), bob.id(), "00ff", 10); !errors.Is(err, ErrUnknownMessage) {
		t.Fatalf("History(unknown cursor) = %v, want ErrUnknownMessage", err)
	}
	for _, c := range alice.c.Contacts() {
		if c.PeerID == bob.id() && c.State != StateFriend {
			t.Errorf("bob's state = %q, want friend", c.State)
		}
	}
}

func TestOfflineDeliveryThroughMailbox(t *testing.T) {
	node := startNode(t)
	alice, bob := newUser(t, "alice", node.addr), newUser(t, "bob", node.addr)
	befriend(t, alice, bob)
	bobID := bob.id()
	bob.close()

	var ids []MsgID
	for _, text := range []string{"one", "two", "three"} {
		id, err := alice.c.Send(t.Context(), bobID, text)
		if err != nil {
			t.Fatalf("Send: %v", err)
		}
		ids = append(ids, id)
	}
	alice.wait("mailbox", isStatus(ids[2], StatusMailbox))

	bob.open()
	for _, text := range []string{"one", "two", "three"} {
		bob.wait("message "+text, isArrived(text))
	}
	alice.wait("delivered by receipt", isStatus(ids[2], StatusDelivered))
}

func TestSendRules(t *testing.T) {
	alice := newUser(t, "alice")
	if _, err := alice.c.Send(t.Context(), "nobody", "hi"); !errors.Is(err, ErrUnknownContact) {
		t.Errorf("Send to stranger = %v, want ErrUnknownContact", err)
	}
	if p := ProblemOf(ErrKeyChanged); p.Title == "" || p == genericProblem {
		t.Errorf("ProblemOf(ErrKeyChanged) = %+v", p)
	}
	if p := ProblemOf(fmt.Errorf("open vault: Cannot write pid file err: open /x/LOCK: read-only file system")); p != readOnlyProblem {
		t.Errorf("ProblemOf(read-only) = %+v", p)
	}
	if p := ProblemOf(fmt.Errorf("commit: %w", syscall.ENOSPC)); p != diskFullProblem {
		t.Errorf("ProblemOf(ENOSPC) = %+v", p)
	}
	if p := ProblemOf(errors.New("boom")); p != genericProblem {
		t.Errorf("ProblemOf(unknown) = %+v, want generic", p)
	}
}

func TestWrongPassphrase(t *testing.T) {
	u := newUser(t, "alice")
	u.close()
	_, err := Open(t.Context(), Config{Dir: u.dir, Passphrase: []byte("wrong"), KDF: nil})
	if !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("Open with wrong passphrase = %v, want ErrWrongPassphrase", err)
	}
}

func TestUsernameDirectory(t *testing.T) {
	node := startNode(t)
	alice, bob := newUser(t, "alice", node.addr), newUser(t, "bob", node.addr)
	if err := alice.c.Claim(t.Context(), "@Alice"); err != nil {
		t.Fatalf("Claim: %v", err)
	}
	if err := bob.c.Claim(t.Context(), "alice"); !errors.Is(err, rendezvous.ErrNameTaken) {
		t.Errorf("Claim of a taken name = %v, want ErrNameTaken", err)
	}
	if err := bob.c.Claim(t.Context(), "x"); !errors.Is(err, ErrBadUsername) {
		t.Errorf("Claim(x) = %v, want ErrBadUsername", err)
	}
	p, err := bob.c.AddContact(t.Context(), "@alice", "found you")
	if err != nil || p != alice.id() {
		t.Fatalf("AddContact(@alice) = %s, %v; want %s", p, err, alice.id())
	}
	alice.wait("request", func(ev Event) bool {
		r, ok := ev.(FriendRequestReceived)
		return ok && r.Request.PeerID == bob.id() && r.Request.Greeting == "found you"
	})
}

func TestChangePassphrase(t *testing.T) {
	u := newUser(t, "alice")
	newPass := []byte("new passphrase")
	if err := u.c.ChangePassphrase(t.Context(), []byte("wrong"), newPass); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("ChangePassphrase(wrong old) = %v, want ErrWrongPassphrase", err)
	}
	if err := u.c.ChangePassphrase(t.Context(), testPass, newPass); err != nil {
		t.Fatalf("ChangePassphrase: %v", err)
	}
	u.close()
	if _, err := Open(t.Context(), Config{Dir: u.dir, Passphrase: testPass}); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("Open(old passphrase) = %v, want ErrWrongPassphrase", err)
	}
	c, err := Open(t.Context(), Config{Dir: u.dir, Passphrase: newPass, Listen: []string{"/ip4/127.0.0.1/tcp/0"}, DisableMDNS: true})
	if err != nil {
		t.Fatalf("Open(new passphrase): %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close = %v, want nil", err)
	}
}

func TestSetNodes(t *testing.T) {
	node := startNode(t)
	u := newUser(t, "alice")
	if !u.c.Status().Embedded {
		t.Errorf("a profile without nodes should run the embedded node: %+v", u.c.Status())
	}
	before := u.c.Me().Invite
	if err := u.c.SetNodes(t.Context(), []string{"not a multiaddr"}); !errors.Is(err, ErrBadNode) {
		t.Fatalf("SetNodes(garbage) = %v, want ErrBadNode", err)
	}
	if err := u.c.SetNodes(t.Context(), []string{node.addr}); err != nil {
		t.Fatalf("SetNodes: %v", err)
	}
	me := u.c.Me()
	if len(me.Nodes) != 1 || me.Nodes[0] != node.addr || me.Invite == before {
		t.Fatalf("after SetNodes: nodes %v, invite changed %v", me.Nodes, me.Invite != before)
	}
	ci, err := parseInviteCard(me.Invite)
	if err != nil || len(ci.Nodes) != 1 || ci.Nodes[0] != node.addr {
		t.Fatalf("new invite's card lists %v (%v), want the node", ci.Nodes, err)
	}
	waitRegistered(t, node, u.id())
}

// TestCloseAfterNodeGone: the home node vanishes (its connections reset)
// while the client holds streams to it; locking the profile then is still
// a clean Close.
func TestCloseAfterNodeGone(t *testing.T) {
	node := startNode(t)
	alice := newUser(t, "alice", node.addr)
	alice.wait("ready", func(ev Event) bool { _, ok := ev.(Ready); return ok })
	node.stop()
	alice.close() // fails the test if Close returns an error
}
