package app

import (
	"errors"
	"testing"
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
