package app

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestNewIDOrder checks the ID layout the vault's key order relies on: IDs
// made later sort later (as strings, hence as index keys), IDs made in the
// same millisecond still differ, and every ID passes validID.
func TestNewIDOrder(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 15, 0, 0, 0, time.UTC)
	prev := ""
	for i := range 1000 {
		now := t0.Add(time.Duration(i) * time.Millisecond)
		id := newID(now)
		if len(id) != 32 || !validID(id) {
			t.Fatalf("newID(%v) = %q, want 32 hex digits", now, id)
		}
		if id <= prev {
			t.Fatalf("newID(%v) = %q, not after %q made a millisecond earlier", now, id, prev)
		}
		if want := "01a24191bd80"; i == 0 && !strings.HasPrefix(id, want) {
			t.Errorf("newID(%v) = %q, want the prefix %s (milliseconds since 1970, big-endian)", now, id, want)
		}
		prev = id
	}
	seen := make(map[string]bool)
	for range 1000 {
		id := newID(t0)
		if seen[id] {
			t.Fatalf("newID gave %q twice within one millisecond", id)
		}
		seen[id] = true
	}
}

// TestSendQueueKeepsBurstsWhole checks the send queue's gathering: callers
// that come back right after their batch committed go into one batch
// together, rather than the first one back committing alone while the
// others queue behind it; and a lone sender never waits for anyone.
func TestSendQueueKeepsBurstsWhole(t *testing.T) {
	q := &sendQueue{window: time.Minute} // only the callers' return ends a wait
	var mu sync.Mutex
	var sizes []int
	first := make(chan struct{})
	commit := func(batch []*sendReq) error {
		mu.Lock()
		sizes = append(sizes, len(batch))
		n := len(sizes)
		mu.Unlock()
		if n == 1 {
			<-first // hold the lone first batch until the burst has queued
		}
		return nil
	}
	submit := func() error {
		return q.submit(&sendReq{done: make(chan error, 1)}, commit)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := submit(); err != nil {
			t.Error(err)
		}
	})
	waitPending(t, q, 0, true) // the first caller leads
	for range 3 {
		wg.Go(func() {
			for range 2 { // send, then at once send again
				if err := submit(); err != nil {
					t.Error(err)
				}
			}
		})
	}
	waitPending(t, q, 3, false)
	close(first)
	wg.Wait()
	if want := []int{1, 3, 3}; !slices.Equal(sizes, want) {
		t.Errorf("batch sizes %v, want %v: the three callers' second Sends should share one batch", sizes, want)
	}

	// A lone sender: each batch holds one caller, so nobody is waited for
	// (with a minute's window, a wait would stall this test).
	lone := &sendQueue{window: time.Minute}
	start := time.Now()
	for range 5 {
		if err := lone.submit(&sendReq{done: make(chan error, 1)}, func([]*sendReq) error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	if el := time.Since(start); el > 30*time.Second {
		t.Errorf("five lone Sends took %v: a lone sender waited for callers that never come", el)
	}

	// Callers that do not come back are waited for no longer than the window.
	short := &sendQueue{window: 20 * time.Millisecond, last: 3, lastEnd: time.Now()}
	short.mu.Lock()
	short.pending = []*sendReq{{}}
	short.gather() // returns once the window has passed
	short.mu.Unlock()
}

// waitPending waits (bounded) until q has n queued callers, or, with busy,
// until a leader is committing.
func waitPending(t *testing.T, q *sendQueue, n int, busy bool) {
	t.Helper()
	for range 10000 {
		q.mu.Lock()
		ok := len(q.pending) == n && (!busy || q.busy)
		q.mu.Unlock()
		if ok {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("the send queue never held %d waiting callers", n)
}
