package server

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/parley-chat/parley/rendezvous"
)

// TestMailboxFlood: one peer, and 1,000 fresh peer IDs from one IP,
// deposit as fast as they can into one victim's inbox. The per-sender and
// per-IP buckets and the inbox quota hold, memory stays bounded, and a
// legitimate sender from another IP still gets through to another inbox
// (over the network) during the flood.
func TestMailboxFlood(t *testing.T) {
	clk := newClock()
	n := startNode(t, Config{Now: clk.Now, PerSenderRate: 5, PerSenderBurst: 10, PerIPRate: 50, MaxInboxCount: 200})
	mb := n.srv.mbox
	legit, _ := newClient(t, n)
	_, friendHost := newClient(t, n)
	// Flooders come from 10.0.0.1; the legitimate client from 127.0.0.1.
	realIP := *mb.ipOf.Load()
	flooders := map[peer.ID]bool{}
	var fmu sync.Mutex
	fakeIP := func(p peer.ID) string {
		fmu.Lock()
		defer fmu.Unlock()
		if flooders[p] {
			return "10.0.0.1"
		}
		return realIP(p)
	}
	mb.ipOf.Store(&fakeIP)
	_, victimHost := newClient(t, n)
	victim := victimHost.ID()
	ids := make([]peer.ID, 1001)
	for i := range ids {
		ids[i] = peer.ID(fmt.Sprintf("fresh-%d", i))
		flooders[ids[i]] = true
	}
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	counts := map[rendezvous.Status]int{}
	var legitErr error
	for round := range 4 { // 4 simulated seconds
		for i := 0; i < 200; i++ { // the single flooder, as fast as it can
			counts[mb.put(t.Context(), ids[0], &rendezvous.Put{To: []byte(victim), Envelope: []byte("spam")})]++
		}
		for _, id := range ids[1:] { // 1,000 fresh IDs, one deposit each per second
			counts[mb.put(t.Context(), id, &rendezvous.Put{To: []byte(victim), Envelope: []byte("spam")})]++
		}
		if err := legit.Put(t.Context(), friendHost.ID(), fmt.Appendf(nil, "hello %d", round)); err != nil {
			legitErr = err
		}
		clk.Add(time.Second)
	}
	ok := counts[rendezvous.Status_STATUS_OK]
	// The IP bucket admits its burst (10 × sender burst = 100) plus 50/s.
	if max := 100 + 50*4; ok > max {
		t.Errorf("flood stored %d envelopes, want ≤ %d (per-IP bucket)", ok, max)
	}
	if got := mb.stored(); got.count > 200+4 { // + the legitimate sender's
		t.Errorf("victim inbox holds %d, quota 200", got.count)
	}
	if counts[rendezvous.Status_STATUS_RATE_LIMITED] == 0 || counts[rendezvous.Status_STATUS_QUOTA] == 0 {
		t.Errorf("statuses = %v, want both rate-limited and quota refusals", counts)
	}
	if legitErr != nil {
		t.Errorf("legitimate sender during the flood: %v", legitErr)
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapInuse) - int64(before.HeapInuse); grew > 32<<20 {
		t.Errorf("heap grew %d MiB during the flood, want < 32 MiB", grew>>20)
	}
	t.Logf("flood outcome: %v", counts)
}

// TestStreamFlood: a peer that opens many mailbox streams and sends nothing
// gets only a handful (the resource manager's per-peer, per-protocol
// bound); the node keeps serving others.
func TestStreamFlood(t *testing.T) {
	n := startNode(t, Config{})
	_, attacker := newClient(t, n)
	good, gh := newClient(t, n)
	attacker.Peerstore().AddAddrs(n.host.ID(), n.host.Addrs(), time.Hour)
	opened := 0
	for range 64 {
		s, err := attacker.NewStream(t.Context(), n.host.ID(), "/parley/mailbox/1")
		if err != nil {
			continue
		}
		defer s.Reset()
		// The protocol is negotiated lazily; a write makes the node accept or refuse.
		if _, err := s.Write([]byte{0x80}); err != nil {
			continue
		}
		_ = s.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		if _, err := s.Read(make([]byte, 1)); err != nil && !isTimeout(err) {
			continue // reset by the node
		}
		opened++
	}
	if opened > 16 {
		t.Errorf("attacker holds %d idle mailbox streams, want ≤ 16", opened)
	}
	if err := good.Put(t.Context(), gh.ID(), []byte("served")); err != nil {
		t.Errorf("good client during the stream flood: %v", err)
	}
	t.Logf("attacker kept %d of 64 streams", opened)
}

func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}

// TestClientReconnectsAfterNodeRestart: a client's persistent stream dies
// with the node; the next request reopens it on its own.
func TestClientReconnectsAfterNodeRestart(t *testing.T) {
	n := startNode(t, Config{})
	alice, _ := newClient(t, n)
	_, bh := newClient(t, n)
	if err := alice.Put(t.Context(), bh.ID(), []byte("before")); err != nil {
		t.Fatal(err)
	}
	n.restart()
	if err := alice.Put(t.Context(), bh.ID(), []byte("after")); err != nil {
		t.Fatalf("Put after node restart: %v", err)
	}
	if got := n.srv.mbox.stored(); got.count != 2 {
		t.Errorf("stored = %d, want 2", got.count)
	}
}
