package app

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/parley-chat/parley/vault"
)

// leftover is what a vault still holds about one peer.
type leftover struct {
	Contact, Session, Request bool
	Outbox, History           int
}

func leftOf(t *testing.T, c *Client, peer PeerID) leftover {
	t.Helper()
	var l leftover
	err := c.v.View(func(tx *vault.Tx) error {
		_, err := tx.GetContact(string(peer))
		l.Contact = err == nil
		_, err = tx.GetSession(string(peer))
		l.Session = err == nil
		_, err = tx.GetRequest(string(peer))
		l.Request = err == nil
		items, err := tx.ListOutbox()
		for _, it := range items {
			if it.To == string(peer) {
				l.Outbox++
			}
		}
		if err != nil {
			return err
		}
		hist, err := tx.History(string(peer), "", 1<<20)
		l.History = len(hist)
		return err
	})
	if err != nil {
		t.Fatalf("read vault: %v", err)
	}
	return l
}

func isRemoved(p PeerID) func(Event) bool {
	return func(ev Event) bool { r, ok := ev.(ContactRemoved); return ok && r.Peer == p }
}

func isRequestFrom(p PeerID) func(Event) bool {
	return func(ev Event) bool { r, ok := ev.(FriendRequestReceived); return ok && r.Request.PeerID == p }
}

// TestRemoveFriend: removing a friend deletes the contact, session,
// outbox and history; their next envelope is refused as a stranger's; and
// the friendship can be made again from an invite, with a fresh session and
// an empty history.
func TestRemoveFriend(t *testing.T) {
	node := startNode(t)
	alice, bob := newUser(t, "alice", node.addr), newUser(t, "bob", node.addr)
	befriend(t, alice, bob)
	aliceID, bobID := alice.id(), bob.id()
	if _, err := alice.c.Send(t.Context(), bobID, "hello bob"); err != nil {
		t.Fatalf("Send: %v", err)
	}
	bob.wait("message", isArrived("hello bob"))

	// Bob removes alice while a message to her is still in his outbox (his
	// client is not running, so nothing is delivered).
	bob.close()
	c := bob.openIdle()
	if _, err := c.Send(t.Context(), aliceID, "never delivered"); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if l := leftOf(t, c, aliceID); !l.Contact || !l.Session || l.Outbox == 0 || l.History != 2 {
		t.Fatalf("before removal: %+v, want contact, session, outbox and 2 messages", l)
	}
	if err := c.RemoveContact(t.Context(), aliceID); err != nil {
		t.Fatalf("RemoveContact: %v", err)
	}
	if l := leftOf(t, c, aliceID); l != (leftover{}) {
		t.Fatalf("after removal bob's vault still holds %+v", l)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	bob.open()
	if cs := bob.c.Contacts(); len(cs) != 0 {
		t.Fatalf("Contacts after removal = %+v", cs)
	}

	// Alice's next envelope is refused (her courier's delivery is refused
	// the same way).
	_, packet := sealedFor(t, alice, bobID, "are you there?")
	dropped := bob.c.Dropped()
	if v, err := bob.c.ingest("", [][]byte{packet}); err != nil || v[0] != Verdict_VERDICT_REFUSED {
		t.Fatalf("envelope from a removed contact: verdict %v, %v; want REFUSED", v, err)
	}
	if bob.c.Dropped() <= dropped {
		t.Error("refused envelope not counted as dropped")
	}

	// Alice forgets bob too; bob adds her again from her invite.
	if err := alice.c.RemoveContact(t.Context(), bobID); err != nil {
		t.Fatalf("alice RemoveContact: %v", err)
	}
	alice.wait("contact removed", isRemoved(bobID))
	if _, err := bob.c.AddContact(t.Context(), alice.c.Me().Invite, "can we start over?"); err != nil {
		t.Fatalf("AddContact after removal: %v", err)
	}
	alice.wait("fresh request", isRequestFrom(bobID))
	if err := alice.c.Accept(t.Context(), bobID); err != nil {
		t.Fatalf("Accept: %v", err)
	}
	bob.wait("accepted", func(ev Event) bool { _, ok := ev.(FriendAccepted); return ok })
	if _, err := bob.c.Send(t.Context(), aliceID, "hello again"); err != nil {
		t.Fatalf("Send after re-adding: %v", err)
	}
	alice.wait("message after re-adding", isArrived("hello again"))
	if hist, err := bob.c.History(t.Context(), aliceID, "", 10); err != nil || len(hist) != 1 {
		t.Errorf("bob's history after re-adding = %d messages (%v), want only the new one", len(hist), err)
	}
}

// TestRemoveContactAfterKeyChange: a user who does not trust a friend's
// new key removes the contact instead. Nothing was ever sealed for the new
// key (the other side never got an accept); the key-change record goes
// with the contact; and the new key's owner can then ask again, which
// arrives as an ordinary friend request.
func TestRemoveContactAfterKeyChange(t *testing.T) {
	node := startNode(t)
	alice, bob := newUser(t, "alice", node.addr), newUser(t, "bob", node.addr)
	befriend(t, alice, bob)
	aliceID, bobID := alice.id(), bob.id()
	alice.close()
	rekey(t, alice)
	alice.open()
	if _, err := alice.c.AddContact(t.Context(), bob.c.Me().Invite, "new phone"); err != nil {
		t.Fatalf("AddContact on the re-keyed profile: %v", err)
	}
	bob.wait("key change", func(ev Event) bool { k, ok := ev.(KeyChanged); return ok && k.Peer == aliceID })
	if _, err := bob.c.Send(t.Context(), aliceID, "is that you?"); !errors.Is(err, ErrKeyChanged) {
		t.Fatalf("Send after key change = %v, want ErrKeyChanged", err)
	}

	if err := bob.c.RemoveContact(t.Context(), aliceID); err != nil {
		t.Fatalf("RemoveContact: %v", err)
	}
	bob.wait("contact removed", isRemoved(aliceID))
	if l := leftOf(t, bob.c, aliceID); l != (leftover{}) {
		t.Fatalf("after removal bob's vault still holds %+v (the key-change record included)", l)
	}
	if cs, rs := bob.c.Contacts(), bob.c.Requests(); len(cs) != 0 || len(rs) != 0 {
		t.Fatalf("after removal: contacts %+v, requests %+v; want none", cs, rs)
	}
	if err := bob.c.TrustNewKey(t.Context(), aliceID); !errors.Is(err, ErrUnknownContact) {
		t.Fatalf("TrustNewKey after removal = %v, want ErrUnknownContact", err)
	}
	// Alice's side: bob never answered the new key, so no session with it
	// exists anywhere and nothing was sealed for it.
	if l := leftOf(t, alice.c, bobID); l.Session || l.History != 0 {
		t.Fatalf("alice holds %+v for bob: something was sent under her new key", l)
	}
	for _, ct := range alice.c.Contacts() {
		if ct.PeerID == bobID && ct.State != StateRequested {
			t.Fatalf("alice's contact bob is %q, want still requested", ct.State)
		}
	}

	// Alice asks again: a fresh request, not a key change.
	if err := alice.c.RemoveContact(t.Context(), bobID); err != nil {
		t.Fatalf("alice RemoveContact: %v", err)
	}
	if _, err := alice.c.AddContact(t.Context(), bob.c.Me().Invite, "it really is me"); err != nil {
		t.Fatalf("AddContact again: %v", err)
	}
	ev := bob.wait("fresh request", isRequestFrom(aliceID)).(FriendRequestReceived)
	if ev.Request.Greeting != "it really is me" {
		t.Errorf("request greeting = %q", ev.Request.Greeting)
	}
	if rs := bob.c.Requests(); len(rs) != 1 || rs[0].PeerID != aliceID {
		t.Fatalf("Requests = %+v, want alice's", rs)
	}
	if err := bob.c.Accept(t.Context(), aliceID); err != nil {
		t.Fatalf("Accept: %v", err)
	}
	alice.wait("accepted", func(ev Event) bool { _, ok := ev.(FriendAccepted); return ok })
	if _, err := bob.c.Send(t.Context(), aliceID, "verified in person"); err != nil {
		t.Fatalf("Send: %v", err)
	}
	alice.wait("message under the new key", isArrived("verified in person"))
}

func TestRemoveUnknownContact(t *testing.T) {
	u := newUser(t, "bob")
	for _, p := range []PeerID{"12D3KooWNobodyAtAll", u.id()} {
		if err := u.c.RemoveContact(t.Context(), p); !errors.Is(err, ErrUnknownContact) {
			t.Errorf("RemoveContact(%s) = %v, want ErrUnknownContact", p, err)
		}
	}
}

// plantContact stores a contact of peer with everything RemoveContact
// deletes: session, key-change record, outbox items and n messages.
func plantContact(t *testing.T, c *Client, peer PeerID, n int) {
	t.Helper()
	now := time.Now()
	err := c.v.Update(func(tx *vault.Tx) error {
		p := string(peer)
		errs := []error{
			tx.PutContact(vault.Contact{PeerID: p, Name: "dana", State: string(StateKeyChanged), KeyChanged: true}),
			tx.PutSession(p, []byte("session")),
			tx.PutRequest(vault.Request{PeerID: p, Greeting: keyChangeMarker, ReceivedAt: now}),
		}
		for i := range n {
			id := fmt.Sprintf("%032x", i)
			errs = append(errs, tx.PutMessage(vault.Message{ID: id, Conv: p, From: p, Text: "hi", SentAt: now.Add(time.Duration(i))}))
			if i%2 == 0 {
				errs = append(errs, tx.PutOutbox(vault.Outbox{ID: id, To: p, Kind: kindText, CreatedAt: now}))
			}
		}
		return errors.Join(errs...)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestRemoveContactAtomic: a removal is one transaction: if it fails,
// nothing is deleted; if it commits, everything is. A history too large
// for one transaction goes in batches, oldest first, and the contact goes
// with the last one only.
func TestRemoveContactAtomic(t *testing.T) {
	u := newUser(t, "bob")
	const dana = PeerID("12D3KooWDana")
	plantContact(t, u.c, dana, 10)
	full := leftover{Contact: true, Session: true, Request: true, Outbox: 5, History: 10}
	if l := leftOf(t, u.c, dana); l != full {
		t.Fatalf("planted %+v, want %+v", l, full)
	}

	errBoom := errors.New("boom")
	err := u.c.v.Update(func(tx *vault.Tx) error {
		if done, err := removeStepTx(tx, dana, vault.DeleteBatch); err != nil || !done {
			t.Errorf("removeStepTx = %v, %v; want everything in one step", done, err)
		}
		return errBoom // the transaction fails after the step
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("Update = %v", err)
	}
	if l := leftOf(t, u.c, dana); l != full {
		t.Fatalf("after a failed removal: %+v, want all of %+v", l, full)
	}

	steps := 0
	for done := false; !done; steps++ {
		if l := leftOf(t, u.c, dana); !l.Contact || !l.Session || !l.Request {
			t.Fatalf("step %d: contact records gone before the rest: %+v", steps, l)
		}
		err := u.c.v.Update(func(tx *vault.Tx) (err error) {
			done, err = removeStepTx(tx, dana, 6)
			return err
		})
		if err != nil {
			t.Fatalf("step %d: %v", steps, err)
		}
	}
	if l := leftOf(t, u.c, dana); l != (leftover{}) || steps < 4 {
		t.Fatalf("after %d steps of 6 records: %+v left, want nothing after ≥ 4 steps", steps, l)
	}

	plantContact(t, u.c, dana, 10)
	if err := u.c.RemoveContact(t.Context(), dana); err != nil {
		t.Fatalf("RemoveContact: %v", err)
	}
	u.wait("contact removed", isRemoved(dana))
	if l := leftOf(t, u.c, dana); l != (leftover{}) {
		t.Fatalf("after RemoveContact: %+v", l)
	}
}

// TestFriendAsksAgainAfterRemoval: bob removes alice, who still lists him
// as a friend; his new request reaches her as a request (not dropped as a
// replay), she accepts it and a new session starts. A message she had
// sealed for him in the old session and not yet sent is sealed again in
// the new one, behind the accept, and delivered.
func TestFriendAsksAgainAfterRemoval(t *testing.T) {
	node := startNode(t)
	alice, bob := newUser(t, "alice", node.addr), newUser(t, "bob", node.addr)
	befriend(t, alice, bob)
	aliceID, bobID := alice.id(), bob.id()
	if err := bob.c.RemoveContact(t.Context(), aliceID); err != nil {
		t.Fatalf("RemoveContact: %v", err)
	}
	if _, err := bob.c.AddContact(t.Context(), alice.c.Me().Invite, "can we start over?"); err != nil {
		t.Fatalf("AddContact after removal: %v", err)
	}
	alice.wait("request from a friend", isRequestFrom(bobID))

	// Alice's client is not running: the message waits in her outbox,
	// sealed in the old session, when she accepts.
	alice.close()
	c := alice.openIdle()
	queued, err := c.Send(t.Context(), bobID, "sealed in the old session")
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if err := c.Accept(t.Context(), bobID); err != nil {
		t.Fatalf("Accept: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	alice.open()
	bob.wait("accepted", func(ev Event) bool { _, ok := ev.(FriendAccepted); return ok })
	bob.wait("resealed message", isArrived("sealed in the old session"))
	alice.wait("resealed message delivered", isStatus(queued, StatusDelivered))
	if _, err := bob.c.Send(t.Context(), aliceID, "hello again"); err != nil {
		t.Fatalf("Send after re-adding: %v", err)
	}
	alice.wait("reply", isArrived("hello again"))
}
