package app

import (
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/parley-chat/parley/vault"
)

// sealMany queues n messages from alice to bob while alice is not running
// and returns the packets from her outbox, in send order.
func sealMany(t *testing.T, alice *testUser, to PeerID, n int) [][]byte {
	t.Helper()
	alice.close()
	c := alice.openIdle()
	defer c.Close()
	var ids []MsgID
	for i := range n {
		id, err := c.Send(t.Context(), to, fmt.Sprintf("shuffled %d", i))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	packets := make([][]byte, n)
	err := c.v.Update(func(tx *vault.Tx) error {
		for i, id := range ids {
			it, err := tx.GetOutbox(string(id))
			if err != nil {
				return err
			}
			packets[i] = it.Payload
			if err := tx.DeleteOutbox(string(id)); err != nil { // never delivered for real
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return packets
}

// TestReorderLossDuplication (attack 2): packets reordered, duplicated and
// partly lost, then re-sent, arrive in random batches: each message is
// stored and shown exactly once, in the right conversation. It runs 300
// messages, or 10,000 with PARLEY_LONG=1 (scripts/long-tests.sh). The
// disorder is applied per window of reorderWindow messages (lost ones are
// re-sent at the end of their window), so that it stays within the
// ratchet's skipped-key bounds (e2e.MaxSkip, e2e.MaxSkippedKeys), which a
// real sender's retries also respect; 300 is a single window.
func TestReorderLossDuplication(t *testing.T) {
	n := 300
	if os.Getenv("PARLEY_LONG") == "1" {
		n = 10_000
	}
	const reorderWindow = 300
	alice, bob := newUser(t, "alice"), newUser(t, "bob")
	connect(t, alice, bob)
	befriend(t, alice, bob)
	bobID, aliceID := bob.id(), alice.id()
	packets := sealMany(t, alice, bobID, n)
	arrived := 0
	// countArrived drains bob's events without blocking, so that a long run
	// never overflows the subscriber queue (DefaultQueue).
	countArrived := func() {
		for len(bob.events) > 0 {
			if _, ok := (<-bob.events).(MessageArrived); ok {
				arrived++
			}
		}
	}
	for seed := range uint64(3) {
		rng := rand.New(rand.NewPCG(seed, 42))
		for lo := 0; lo < n; lo += reorderWindow {
			// A stream with duplicates and 20 % loss; the lost ones come later.
			var stream, lost [][]byte
			for _, p := range packets[lo:min(n, lo+reorderWindow)] {
				switch r := rng.IntN(10); {
				case r < 2:
					lost = append(lost, p)
				case r < 4:
					stream = append(stream, p, p)
				default:
					stream = append(stream, p)
				}
			}
			stream = append(stream, lost...)
			rng.Shuffle(len(stream), func(i, j int) { stream[i], stream[j] = stream[j], stream[i] })
			for len(stream) > 0 {
				k := min(len(stream), 1+rng.IntN(40))
				if _, err := bob.c.ingest("", stream[:k]); err != nil {
					t.Fatalf("seed %d: ingest: %v", seed, err)
				}
				stream = stream[k:]
				countArrived()
			}
		}
	}
	hist, err := bob.c.History(t.Context(), aliceID, "", 10*n)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[MsgID]bool{}
	for _, m := range hist {
		if seen[m.ID] || m.Conv != aliceID {
			t.Fatalf("message %s duplicated or in the wrong conversation", m.ID)
		}
		seen[m.ID] = true
	}
	if len(seen) != n {
		t.Fatalf("%d distinct messages stored, want %d", len(seen), n)
	}
	countArrived()
	if arrived != n {
		t.Fatalf("%d MessageArrived events, want %d", arrived, n)
	}
}

// TestReceiptForMailboxCopy: bob committed alice's message from a direct
// frame whose ack alice never got; alice then deposited the same packet in
// bob's mailbox. Bob must still acknowledge it by receipt, or the message
// would stay "in the mailbox" on alice's side forever.
func TestReceiptForMailboxCopy(t *testing.T) {
	alice, bob := newUser(t, "alice"), newUser(t, "bob")
	connect(t, alice, bob)
	befriend(t, alice, bob)
	bobID, aliceID := bob.id(), alice.id()
	alice.close()
	c := alice.openIdle()
	id, err := c.Send(t.Context(), bobID, "ack me twice")
	if err != nil {
		t.Fatal(err)
	}
	var packet []byte
	err = c.v.Update(func(tx *vault.Tx) error { // as if the courier had deposited it
		it, err := tx.GetOutbox(string(id))
		if err != nil {
			return err
		}
		packet = it.Payload
		if err := tx.DeleteOutbox(string(id)); err != nil {
			return err
		}
		return tx.SetMessageStatus(string(bobID), string(id), string(StatusMailbox))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	alice.open()
	connect(t, alice, bob)
	if v, err := bob.c.ingest(aliceID.libp2p(), [][]byte{packet}); err != nil || v[0] != Verdict_VERDICT_OK {
		t.Fatalf("direct copy: %v, %v", v, err)
	}
	if v, err := bob.c.ingest("", [][]byte{packet}); err != nil || v[0] != Verdict_VERDICT_OK {
		t.Fatalf("mailbox copy: %v, %v", v, err)
	}
	alice.wait("delivered by receipt", isStatus(id, StatusDelivered))
}

// TestCommittedButNotAcked (fault 15, in process): bob commits a mailbox
// batch and dies before the ACK. After the restart the node hands the
// same items out again; they are dropped as duplicates (no second event,
// one copy in history), acknowledged, and alice still learns they arrived.
func TestCommittedButNotAcked(t *testing.T) {
	node := startNode(t)
	alice, bob := newUser(t, "alice", node.addr), newUser(t, "bob", node.addr)
	befriend(t, alice, bob)
	bobID := bob.id()
	bob.close()
	var ids []MsgID
	for i := range 5 {
		id, err := alice.c.Send(t.Context(), bobID, fmt.Sprintf("commit then crash %d", i))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	alice.wait("all in the mailbox", isStatus(ids[4], StatusMailbox))

	c := bob.openIdle() // fetch and commit, but never ACK: the crash
	items, err := c.nodes.home()[0].Fetch(t.Context(), 64)
	if err != nil || len(items) != 5 {
		t.Fatalf("Fetch = %d items, %v; want 5", len(items), err)
	}
	packets := make([][]byte, len(items))
	for i, it := range items {
		packets[i] = it.Envelope
	}
	if _, err := c.ingest("", packets); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}

	bob.open()
	for _, id := range ids {
		alice.wait("delivered", isStatus(id, StatusDelivered))
	}
	if n := countMessages(t, bob.c, alice.id(), ids[0]); n != 1 {
		t.Fatalf("message stored %d times, want 1", n)
	}
	for len(bob.events) > 0 {
		if m, ok := (<-bob.events).(MessageArrived); ok {
			t.Fatalf("a message committed before the crash surfaced again: %+v", m.Msg)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		left, err := bob.c.nodes.home()[0].Fetch(t.Context(), 64)
		if err == nil && len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailbox after the restart still holds %d items (%v), want 0", len(left), err)
		}
		time.Sleep(20 * time.Millisecond) // poll interval of a bounded wait
	}
}

// TestDirectThenMailbox: when the friend refuses a packet in the middle of
// a direct frame, the items from that one on go to the friend's mailbox,
// all of them, in the same delivery attempt (a bug once handed the
// mailbox a slice that forgetting the delivered items had compacted in
// place: it skipped the refused item and tried an empty one).
func TestDirectThenMailbox(t *testing.T) {
	node := startNode(t)
	alice, bob := newUser(t, "alice", node.addr), newUser(t, "bob", node.addr)
	befriend(t, alice, bob)
	bobID := bob.id()
	alice.close()
	c := alice.openIdle() // no courier runs: the test drives one by hand
	defer c.Close()
	first, err := c.Send(t.Context(), bobID, "delivered directly")
	if err != nil {
		t.Fatal(err)
	}
	err = c.v.Update(func(tx *vault.Tx) error { // bob refuses it: not a packet
		it, err := tx.GetOutbox(string(first))
		if err != nil {
			return err
		}
		return tx.AddOutbox(vault.Outbox{ID: newID(it.CreatedAt), To: it.To, Kind: kindText, Payload: []byte("not a packet"), CreatedAt: it.CreatedAt.Add(time.Nanosecond)})
	})
	if err != nil {
		t.Fatal(err)
	}
	last, err := c.Send(t.Context(), bobID, "deposited after the refusal")
	if err != nil {
		t.Fatal(err)
	}
	connect(t, &testUser{c: c}, bob)

	k := &courier{c: c, peer: bobID, wake: make(chan struct{}, 1), ids: make(map[string]bool)}
	progress, err := k.flush(t.Context())
	if !progress || err != nil {
		t.Fatalf("flush = %v, %v; want progress and no error", progress, err)
	}
	if len(k.items) != 0 {
		t.Fatalf("courier still holds %d items after one flush, want 0", len(k.items))
	}
	var left int
	var status [2]string
	err = c.v.View(func(tx *vault.Tx) error {
		var err error
		if left, err = tx.CountOutbox(); err != nil {
			return err
		}
		for i, id := range []MsgID{first, last} {
			m, err := tx.GetMessage(string(bobID), string(id))
			if err != nil {
				return err
			}
			status[i] = m.Status
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("outbox holds %d items after one flush, want 0 (the refused one deposited too)", left)
	}
	// bob stored the last message from the frame already: once he fetches
	// the mailbox copy, his receipt may turn "mailbox" into "delivered".
	if status[0] != string(StatusDelivered) || (status[1] != string(StatusMailbox) && status[1] != string(StatusDelivered)) {
		t.Errorf("statuses %v, want [delivered mailbox] (or [delivered delivered])", status)
	}
}
