package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"google.golang.org/protobuf/proto"

	"github.com/parley-chat/parley/app"
	"github.com/parley-chat/parley/app/e2e"
	"github.com/parley-chat/parley/p2p"
	"github.com/parley-chat/parley/rendezvous"
)

// TestStrangerRequestFlood (issue 6, item 12): while bob is offline,
// strangers (each its own identity and peer ID, validly signed and sealed
// to bob's card) deposit 400 friend requests (1,000 with PARLEY_LONG=1),
// more than one FETCH returns; carol, a genuine newcomer, asks after the
// first 30 of them; a stranger's message from a session bob never made
// lies there too; alice's messages come last. When bob comes back: the
// request queue holds at most what the rate limit admits (burst 20, 1/s,
// never more than 100), no stranger message is shown or stored, alice's
// messages are not held up behind the flood, and carol's request arrives
// (delayed by the rate limit, not lost). Alice's messages must arrive
// within 20 s of bob's return: without the FETCH cursor they waited for the
// rate limit to work through the flood, ≈ 1 s per request (≈ 2 min).
func TestStrangerRequestFlood(t *testing.T) {
	w := newWorld(t)
	bobCard := bobIdentityCard(t, w.bob)
	bobInvite := w.bob.ok("whoami", nil).(map[string]any)["invite"]
	carolDir := filepath.Join(w.root, "carol")
	initProfile(t, w.bin, carolDir, "carol", w.node.addrs[0])
	carol := startClient(t, w.bin, carolDir, "carol")
	carolID := str(carol.ok("whoami", nil).(map[string]any)["peer_id"])
	w.bob.quit()
	node, bobID := w.node.info(t), mustDecode(t, w.bobID)
	n, before := pick(400, 1000), 30
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	flood := func(from, to int) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make(chan error, to-from)
		sem := make(chan struct{}, 8)
		for i := from; i < to; i++ {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				errs <- depositStrangerRequest(ctx, node, bobID, bobCard, fmt.Sprintf("stranger-%d", i))
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("stranger deposit: %v", err)
			}
		}
	}
	flood(0, before)
	carol.ok("add", map[string]any{"invite": bobInvite, "greeting": "carol here"})
	waitOutboxEmpty(t, carol) // carol's request is in bob's mailbox
	flood(before, n)
	depositStrangerMessage(t, node, w.bobID, "stranger message, never to be shown")
	for i := range 3 {
		w.alice.ok("send", map[string]any{"to": w.bobID, "text": fmt.Sprintf("friend after the strangers %d", i)})
	}
	waitMailboxed(t, w.alice, w.bobID, 3)

	start := time.Now()
	w.bob = startClient(t, w.bin, w.bobDir, "bob")
	// Alice's messages sit behind n requests on the node: bob's drain reads
	// past the ones that must wait (the FETCH cursor), so they do not wait
	// for the request rate limit to work through the flood.
	if !allDelivered(t, w.alice, w.bobID, 50, 20*time.Second) {
		t.Errorf("alice's messages, queued behind %d stranger requests, were not delivered within 20 s of bob's return", n)
	} else {
		t.Logf("alice's messages delivered %v after bob came back", time.Since(start).Round(100*time.Millisecond))
	}
	// Carol is request number before+1: the rate limit lets her in after
	// about before-20 s.
	wait := time.Duration(before-20)*time.Second + 20*time.Second
	if _, ok := waitEventFor(w.bob, "friend_request", func(m map[string]any) bool { return m["peer_id"] == carolID }, wait); !ok {
		t.Errorf("carol's genuine request, deposited amid the flood, did not reach bob within %v", wait)
	} else {
		t.Logf("carol's request arrived %v after bob came back", time.Since(start).Round(time.Second))
	}
	reqs := w.bob.ok("requests", nil).([]any)
	bound := min(app.MaxPendingRequests, 20+int(time.Since(start).Seconds())+1)
	t.Logf("%d stranger requests deposited; bob's queue holds %d (bound %d)", n, len(reqs), bound)
	if len(reqs) > bound {
		t.Errorf("bob's request queue holds %d, want ≤ %d", len(reqs), bound)
	}
	for _, ev := range w.bob.events {
		if ev["event"] == "message" && ev["from"] != w.aliceID {
			t.Errorf("a stranger's message surfaced: %v", ev)
		}
	}
	assertExactlyOnce(t, historyOf(w.alice, w.bobID, 50), historyOf(w.bob, w.aliceID, 50), w.aliceID)
}

// allDelivered is waitAllDelivered that reports instead of failing.
func allDelivered(t *testing.T, c *clientProc, with string, limit int, d time.Duration) bool {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		pending := 0
		for _, m := range historyOf(c, with, limit) {
			if m["outgoing"] == true && m["status"] != "delivered" {
				pending++
			}
		}
		if pending == 0 {
			return true
		}
		time.Sleep(200 * time.Millisecond) // polling interval of a bounded wait
	}
	return false
}

// bobIdentityCard reads a client's own card from its invite.
func bobIdentityCard(t *testing.T, c *clientProc) *e2e.Card {
	t.Helper()
	card, err := e2e.ParseInvite(str(c.ok("whoami", nil).(map[string]any)["invite"]))
	if err != nil {
		t.Fatal(err)
	}
	return card
}

// depositStrangerRequest makes a fresh identity and deposits, from its own
// peer ID, a friend request to bob with greeting.
func depositStrangerRequest(ctx context.Context, node peer.AddrInfo, to peer.ID, card *e2e.Card, greeting string) error {
	s, err := e2e.NewIdentity(rand.Reader)
	if err != nil {
		return err
	}
	sCard, err := e2e.NewCard(s, strings.ToUpper(greeting), nil, time.Now())
	if err != nil {
		return err
	}
	sealed, _, err := e2e.NewRequest(rand.Reader, s, sCard, card, greeting, time.Now())
	if err != nil {
		return err
	}
	packet, err := proto.Marshal(&app.Packet{Body: &app.Packet_Request{Request: sealed}})
	if err != nil {
		return err
	}
	h, err := p2p.NewHost(ctx, p2p.Config{Identity: s.Ed25519(), ListenAddrs: []string{"/ip4/" + attackerIP + "/tcp/0"}})
	if err != nil {
		return err
	}
	defer h.Close()
	rc := rendezvous.NewClient(h, node, nil)
	defer rc.Close()
	return rc.Put(ctx, to, packet)
}

// waitEventFor is waitEvent with its own bound; it reports whether the
// event came (the process keeps running either way).
func waitEventFor(c *clientProc, kind string, match func(map[string]any) bool, d time.Duration) (map[string]any, bool) {
	c.t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		for i, m := range c.events {
			if m["event"] == kind && match(m) {
				c.events = append(c.events[:i:i], c.events[i+1:]...)
				c.mu.Unlock()
				return m, true
			}
		}
		c.mu.Unlock()
		select {
		case m, ok := <-c.lines:
			if !ok {
				return nil, false
			}
			c.mu.Lock()
			c.events = append(c.events, m)
			c.mu.Unlock()
		case <-time.After(time.Until(deadline)):
		}
	}
	return nil, false
}

// waitOutboxEmpty polls c's status until its outbox is empty.
func waitOutboxEmpty(t *testing.T, c *clientProc) {
	t.Helper()
	deadline := time.Now().Add(e2eWait)
	for c.ok("status", nil).(map[string]any)["outbox"] != float64(0) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: outbox not empty after %v", c.name, e2eWait)
		}
		time.Sleep(50 * time.Millisecond) // polling interval of a bounded wait
	}
}
