package server

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/parley-chat/parley/rendezvous"
)

func ids(items []rendezvous.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

func TestMailboxRoundTrip(t *testing.T) {
	n, _, bob, _ := sealedInbox(t, 5)
	ctx := t.Context()
	items, err := bob.Fetch(ctx, 3)
	if err != nil || len(items) != 3 {
		t.Fatalf("Fetch(3) = %d items, %v", len(items), err)
	}
	for i, it := range items {
		if want := fmt.Sprintf("sealed %d", i); string(it.Envelope) != want || it.At.IsZero() {
			t.Errorf("item %d = %q at %v, want %q", i, it.Envelope, it.At, want)
		}
	}
	if err := bob.Ack(ctx, ids(items)); err != nil {
		t.Fatalf("Ack: %v", err)
	}
	if err := bob.Ack(ctx, ids(items)); err != nil {
		t.Fatalf("Ack twice: %v", err)
	}
	rest, err := bob.Fetch(ctx, 0)
	if err != nil || len(rest) != 2 || string(rest[0].Envelope) != "sealed 3" {
		t.Fatalf("Fetch after Ack = %d items, %v", len(rest), err)
	}
	if got := n.srv.mbox.stored(); got.count != 2 {
		t.Errorf("stored count = %d, want 2", got.count)
	}
}

// TestMailboxWrongOwner: FETCH and ACK act on the caller's own inbox only;
// mallory can neither read nor delete bob's envelopes, even with their IDs.
func TestMailboxWrongOwner(t *testing.T) {
	n := startNode(t, Config{})
	alice, _ := newClient(t, n)
	bob, bh := newClient(t, n)
	mallory, _ := newClient(t, n)
	ctx := t.Context()
	if err := alice.Put(ctx, bh.ID(), []byte("for bob")); err != nil {
		t.Fatal(err)
	}
	got, err := mallory.Fetch(ctx, 0)
	if err != nil || len(got) != 0 {
		t.Fatalf("mallory Fetch = %d items, %v; want none", len(got), err)
	}
	items, err := bob.Fetch(ctx, 0)
	if err != nil || len(items) != 1 {
		t.Fatal(err)
	}
	if err := mallory.Ack(ctx, ids(items)); err != nil {
		t.Fatalf("mallory Ack: %v", err)
	}
	again, err := bob.Fetch(ctx, 0)
	if err != nil || len(again) != 1 {
		t.Fatalf("bob's envelope after mallory's ACK: %d items, %v; want 1", len(again), err)
	}
}

func TestMailboxLimits(t *testing.T) {
	clk := newClock()
	n := startNode(t, Config{Now: clk.Now, MaxInboxCount: 4, MaxInboxBytes: 100, MaxEnvelopeBytes: 60,
		PerSenderRate: 1, PerSenderBurst: 3, PerIPRate: -1})
	alice, _ := newClient(t, n)
	carol, _ := newClient(t, n)
	bob, bh := newClient(t, n)
	ctx := t.Context()
	to := bh.ID()
	steps := []struct {
		name string
		err  error
		want error
	}{
		{"too large", alice.Put(ctx, to, make([]byte, 61)), rendezvous.ErrTooLarge},
		{"empty", alice.Put(ctx, to, nil), rendezvous.ErrBadRequest},
		{"put 1", alice.Put(ctx, to, make([]byte, 40)), nil},
		{"put 2", alice.Put(ctx, to, make([]byte, 40)), nil},
		{"byte quota", alice.Put(ctx, to, make([]byte, 40)), rendezvous.ErrQuota},
		{"rate limit", alice.Put(ctx, to, make([]byte, 1)), rendezvous.ErrRateLimited},
		{"other sender", carol.Put(ctx, to, make([]byte, 10)), nil},
		{"count quota", carol.Put(ctx, to, make([]byte, 1)), nil},
		{"count quota full", carol.Put(ctx, to, make([]byte, 1)), rendezvous.ErrQuota},
	}
	for _, s := range steps {
		if !errors.Is(s.err, s.want) {
			t.Errorf("%s: got %v, want %v", s.name, s.err, s.want)
		}
	}
	items, err := bob.Fetch(ctx, 0)
	if err != nil || len(items) != 4 {
		t.Fatalf("Fetch = %d, %v", len(items), err)
	}
	if err := bob.Ack(ctx, ids(items[:2])); err != nil {
		t.Fatal(err)
	}
	clk.Add(5 * time.Second) // refill alice's bucket
	if err := alice.Put(ctx, to, make([]byte, 40)); err != nil {
		t.Errorf("Put after ACK freed quota and the bucket refilled: %v", err)
	}
}

// TestMailboxPerIPLimit: 15 fresh peer IDs from one IP cannot get around
// the per-sender limit.
func TestMailboxPerIPLimit(t *testing.T) {
	n := startNode(t, Config{Now: newClock().Now, PerSenderRate: 1, PerSenderBurst: 1, PerIPRate: 1})
	_, bh := newClient(t, n)
	var ok, limited int
	for range 15 {
		c, _ := newClient(t, n)
		switch err := c.Put(t.Context(), bh.ID(), []byte("x")); {
		case err == nil:
			ok++
		case errors.Is(err, rendezvous.ErrRateLimited):
			limited++
		default:
			t.Fatal(err)
		}
	}
	if ok != 10 || limited != 5 {
		t.Errorf("15 fresh peers from one IP: %d stored, %d rate-limited; want 10, 5 (IP burst)", ok, limited)
	}
}

func TestMailboxTTL(t *testing.T) {
	clk := newClock()
	n := startNode(t, Config{Now: clk.Now, TTL: time.Hour})
	alice, _ := newClient(t, n)
	bob, bh := newClient(t, n)
	ctx := t.Context()
	if err := alice.Put(ctx, bh.ID(), []byte("old")); err != nil {
		t.Fatal(err)
	}
	clk.Add(2 * time.Hour)
	if err := alice.Put(ctx, bh.ID(), []byte("new")); err != nil {
		t.Fatal(err)
	}
	items, err := bob.Fetch(ctx, 0)
	if err != nil || len(items) != 1 || string(items[0].Envelope) != "new" {
		t.Fatalf("Fetch after TTL = %d items, %v; want only the new one", len(items), err)
	}
	if err := n.srv.mbox.expire(ctx, clk.Now()); err != nil {
		t.Fatal(err)
	}
	if got := n.srv.mbox.stored(); got.count != 1 || got.bytes != 3 {
		t.Errorf("stored after sweep = %+v, want 1 envelope of 3 bytes", got)
	}
}

// TestMailboxSurvivesRestart: what was acknowledged is there after the node
// closes and reopens the same directory; quotas are rebuilt from disk.
func TestMailboxSurvivesRestart(t *testing.T) {
	n := startNode(t, Config{MaxInboxCount: 25})
	alice, _ := newClient(t, n)
	_, bh := newClient(t, n)
	for i := range 20 {
		if err := alice.Put(t.Context(), bh.ID(), fmt.Appendf(nil, "m%02d", i)); err != nil {
			t.Fatal(err)
		}
	}
	bobKey := bh.Peerstore().PrivKey(bh.ID())
	n.restart()
	if got := n.srv.mbox.stored(); got.count != 20 {
		t.Fatalf("stored after restart = %+v, want 20", got)
	}
	bob := clientWithKey(t, n, bobKey)
	items, err := bob.Fetch(t.Context(), 0)
	if err != nil || len(items) != 20 {
		t.Fatalf("Fetch after restart = %d items, %v", len(items), err)
	}
	for i, it := range items {
		if want := fmt.Sprintf("m%02d", i); string(it.Envelope) != want {
			t.Errorf("item %d = %q, want %q", i, it.Envelope, want)
		}
	}
	alice2, _ := newClient(t, n)
	for i := range 6 {
		err := alice2.Put(t.Context(), bh.ID(), []byte("more"))
		if want := i >= 5; errors.Is(err, rendezvous.ErrQuota) != want {
			t.Errorf("Put %d after restart = %v (quota 25, 20 stored)", i, err)
		}
	}
}

// TestCloseWithRequestsInFlight: closing the server (before its host) while
// clients are depositing neither panics nor loses an acknowledged envelope.
func TestCloseWithRequestsInFlight(t *testing.T) {
	n := startNode(t, Config{PerSenderRate: 1e9, PerSenderBurst: 1 << 20, PerIPRate: -1})
	_, bh := newClient(t, n)
	var mu sync.Mutex
	acked := map[string]bool{}
	var wg sync.WaitGroup
	for s := range 8 {
		c, _ := newClient(t, n)
		wg.Go(func() {
			for i := 0; ; i++ {
				env := fmt.Sprintf("s%d-%d", s, i)
				if err := c.Put(t.Context(), bh.ID(), []byte(env)); err != nil {
					return
				}
				mu.Lock()
				acked[env] = true
				mu.Unlock()
			}
		})
	}
	eventually(t, 5*time.Second, func() bool { mu.Lock(); defer mu.Unlock(); return len(acked) > 100 })
	if err := n.srv.Close(); err != nil { // the host is still up: streams get refused
		t.Fatalf("Close: %v", err)
	}
	n.srv = nil
	_ = n.host.Close()
	n.host = nil
	wg.Wait()
	n.start()
	bob := clientWithKey(t, n, bh.Peerstore().PrivKey(bh.ID()))
	got := map[string]bool{}
	for {
		items, err := bob.Fetch(t.Context(), 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) == 0 {
			break
		}
		for _, it := range items {
			got[string(it.Envelope)] = true
		}
		if err := bob.Ack(t.Context(), ids(items)); err != nil {
			t.Fatal(err)
		}
	}
	for env := range acked {
		if !got[env] {
			t.Errorf("acknowledged envelope %s lost", env)
		}
	}
	t.Logf("%d acknowledged, %d stored", len(acked), len(got))
}

// TestSweeperExpires: the background sweeper deletes expired envelopes and
// returns their quota without anyone fetching.
func TestSweeperExpires(t *testing.T) {
	clk := newClock()
	n := startNode(t, Config{Now: clk.Now, TTL: time.Hour, SweepEvery: 20 * time.Millisecond})
	alice, _ := newClient(t, n)
	_, bh := newClient(t, n)
	if err := alice.Put(t.Context(), bh.ID(), []byte("short-lived")); err != nil {
		t.Fatal(err)
	}
	clk.Add(2 * time.Hour)
	if !eventually(t, 5*time.Second, func() bool { return n.srv.mbox.stored().count == 0 }) {
		t.Fatalf("stored = %+v 5s after expiry, want empty", n.srv.mbox.stored())
	}
}
