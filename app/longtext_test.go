package app

import (
	"strings"
	"testing"
	"time"
)

// TestLongTextDelivered: maximal texts (stored apart from their message
// record since vault schema 2) arrive whole, reach Delivered, survive a
// restart of both sides, and their history pages read them back whole.
func TestLongTextDelivered(t *testing.T) {
	node := startNode(t)
	alice, bob := newUser(t, "alice", node.addr), newUser(t, "bob", node.addr)
	befriend(t, alice, bob)
	texts := []string{
		strings.Repeat("long text ", MaxTextBytes/10),
		"short one in between",
		strings.Repeat("é", MaxTextBytes/2),
	}
	for _, text := range texts {
		id, err := alice.c.Send(t.Context(), bob.id(), text)
		if err != nil {
			t.Fatalf("Send(%d bytes): %v", len(text), err)
		}
		bob.wait("long message", isArrived(text))
		alice.wait("delivered", isStatus(id, StatusDelivered))
	}
	// Delivered is emitted on the ack, before alice's own status commit:
	// wait until that commit is visible, then restart both sides.
	deadline := time.Now().Add(5 * time.Second)
	for !allDelivered(t, alice, bob.id()) {
		if time.Now().After(deadline) {
			t.Fatal("alice's history never showed every message delivered")
		}
		time.Sleep(10 * time.Millisecond)
	}
	alice.restart()
	bob.restart()
	for _, u := range []*testUser{alice, bob} {
		other := bob.id()
		if u == bob {
			other = alice.id()
		}
		hist, err := u.c.History(t.Context(), other, "", 10)
		if err != nil || len(hist) != len(texts) {
			t.Fatalf("%s: History = %d messages, %v", u.name, len(hist), err)
		}
		for i, m := range hist { // newest first
			if want := texts[len(texts)-1-i]; m.Text != want {
				t.Errorf("%s: message %d: %d bytes back, want %d", u.name, i, len(m.Text), len(want))
			}
			if u == alice && m.Status != StatusDelivered {
				t.Errorf("alice: message %d status %q after restart, want delivered", i, m.Status)
			}
		}
	}
}

// allDelivered reports whether every message u has with peer is delivered
// or incoming.
func allDelivered(t *testing.T, u *testUser, peer PeerID) bool {
	hist, err := u.c.History(t.Context(), peer, "", 50)
	if err != nil {
		t.Fatalf("History: %v", err)
	}
	for _, m := range hist {
		if m.Outgoing && m.Status != StatusDelivered {
			return false
		}
	}
	return true
}
