package app

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestThroughput measures durable one-way throughput between two online
// clients (every message committed on both sides, synced vaults) and the
// online latency of single messages (Send → MessageArrived at the friend).
// PARLEY_THROUGHPUT_N sets the message count (default 300, so that CI stays
// fast; measure with e.g. PARLEY_THROUGHPUT_N=10000; skipped in -short).
func TestThroughput(t *testing.T) {
	if testing.Short() {
		t.Skip("throughput measurement")
	}
	n, senders := 300, 64 // small by default: CI runs this under -race
	if s := os.Getenv("PARLEY_THROUGHPUT_N"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	alice, bob := newUser(t, "alice"), newUser(t, "bob")
	connect(t, alice, bob)
	befriend(t, alice, bob)
	bobID := bob.id()

	// Latency: one message at a time.
	var lat []time.Duration
	for i := range min(200, n) {
		text := fmt.Sprintf("ping %d", i)
		start := time.Now()
		if _, err := alice.c.Send(t.Context(), bobID, text); err != nil {
			t.Fatal(err)
		}
		bob.wait("ping", isArrived(text))
		lat = append(lat, time.Since(start))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	t.Logf("online latency Send→arrived: p50 %v, p90 %v, p99 %v", lat[len(lat)/2], lat[len(lat)*9/10], lat[len(lat)*99/100])

	// Throughput: n messages from many senders at once. A deep queue, so that
	// the measurement does not depend on how fast the test reads events.
	events := bob.c.hub.subscribe(t.Context(), n+1024)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range senders {
		wg.Go(func() {
			for i := w; i < n; i += senders {
				if _, err := alice.c.Send(t.Context(), bobID, fmt.Sprintf("bulk %d", i)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	queued := time.Since(start)
	got := 0
	deadline := time.After(60 * time.Second)
	for got < n {
		select {
		case ev := <-events:
			if m, ok := ev.(MessageArrived); ok && strings.HasPrefix(m.Msg.Text, "bulk ") {
				got++
			}
		case <-deadline:
			t.Fatalf("%d of %d messages arrived within 60 s", got, n)
		}
	}
	total := time.Since(start)
	t.Logf("%d messages: queued in %v (%.0f/s), all committed at the receiver in %v (%.0f msgs/s)",
		n, queued, float64(n)/queued.Seconds(), total, float64(n)/total.Seconds())

	// Bulk: SendBatch of 500 at a time, one sender.
	start = time.Now()
	texts := make([]string, min(500, n))
	for b := 0; b < n; b += len(texts) {
		for i := range texts {
			texts[i] = fmt.Sprintf("batch %d", b+i)
		}
		if _, err := alice.c.SendBatch(t.Context(), bobID, texts); err != nil {
			t.Fatal(err)
		}
	}
	queued = time.Since(start)
	deadline = time.After(60 * time.Second)
	for got = 0; got < n; {
		select {
		case ev := <-events:
			if m, ok := ev.(MessageArrived); ok && strings.HasPrefix(m.Msg.Text, "batch ") {
				got++
			}
		case <-deadline:
			t.Fatalf("%d of %d batch messages arrived in time", got, n)
		}
	}
	total = time.Since(start)
	t.Logf("SendBatch: %d messages queued in %v (%.0f/s), all committed at the receiver in %v (%.0f msgs/s)",
		n, queued, float64(n)/queued.Seconds(), total, float64(n)/total.Seconds())
}

// connect makes a and b know each other's addresses (no node: LAN case).
func connect(t testing.TB, a, b *testUser) {
	t.Helper()
	a.c.host.Peerstore().AddAddrs(b.c.host.ID(), b.c.host.Addrs(), time.Hour)
	b.c.host.Peerstore().AddAddrs(a.c.host.ID(), a.c.host.Addrs(), time.Hour)
	if err := a.c.host.Connect(t.Context(), b.c.host.Peerstore().PeerInfo(b.c.host.ID())); err != nil {
		t.Fatal(err)
	}
}
