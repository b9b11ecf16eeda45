package main

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

// TestFaultNodeRestart (issue 6, item 17): the home node is SIGKILLed with
// alice and bob connected and comes back on the same address a few seconds
// later. The clients notice by themselves, keep talking directly meanwhile,
// re-register with backoff (a bounded number of attempts during the
// outage, not a busy loop), presence works again through the restarted node,
// and nothing sent before, during or after the outage is lost or doubled.
func TestFaultNodeRestart(t *testing.T) {
	t.Setenv("E2E_CLIENT_LOG", "debug") // count the register attempts
	w := newWorld(t)
	w.stopNode(true)
	down := time.Now()
	waitReachable(t, w.alice, false)
	waitReachable(t, w.bob, false)
	// During the outage the friends still reach each other directly.
	for i := range 5 {
		exchange(t, w.alice, w.bob, w.aliceID, w.bobID, fmt.Sprintf("during outage a→b %d", i))
		exchange(t, w.bob, w.alice, w.bobID, w.aliceID, fmt.Sprintf("during outage b→a %d", i))
	}
	// Let the outage last a few backoff steps (this is the fault's length,
	// not a synchronisation).
	time.Sleep(3 * time.Second)
	w.node = startNodeProc(t, w.bin, w.nodeDir, 1, "--listen", w.listen)
	outage := time.Since(down)
	waitReachable(t, w.alice, true)
	waitReachable(t, w.bob, true)
	t.Logf("outage %v; both clients re-registered %v after the node came back", outage.Round(time.Millisecond), time.Since(down)-outage)

	// Presence through the restarted node: bob leaves, alice sees it, sends
	// to his mailbox, bob comes back and alice sees him online again.
	w.bob.quit()
	waitOnline(t, w.alice, w.bobID, false)
	for i := range 10 {
		w.alice.ok("send", map[string]any{"to": w.bobID, "text": fmt.Sprintf("after restart %d", i)})
	}
	waitMailboxed(t, w.alice, w.bobID, 10)
	w.bob = startClient(t, w.bin, w.bobDir, "bob")
	waitOnline(t, w.alice, w.bobID, true)

	sent := waitAllDelivered(t, w.alice, w.bobID, 100, e2eWait)
	assertExactlyOnce(t, sent, historyOf(w.bob, w.aliceID, 100), w.aliceID)
	back := waitAllDelivered(t, w.bob, w.aliceID, 100, e2eWait)
	assertExactlyOnce(t, back, historyOf(w.alice, w.bobID, 100), w.bobID)

	w.alice.quit()
	attempts := strings.Count(w.alice.stderr.String(), `msg="register failed"`)
	// Exponential backoff from 250 ms: about log2(outage/250ms)+1 attempts.
	limit := int(math.Log2(float64(outage)/float64(250*time.Millisecond))) + 4
	t.Logf("alice tried to register %d times during a %v outage (limit %d)", attempts, outage.Round(time.Millisecond), limit)
	if attempts == 0 || attempts > limit {
		t.Errorf("alice made %d register attempts during a %v outage, want 1..%d (backoff)", attempts, outage, limit)
	}
}

// waitReachable polls c's status until node_reachable is want.
func waitReachable(t *testing.T, c *clientProc, want bool) {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second) // above the 30 s backoff cap
	for {
		st := c.ok("status", nil).(map[string]any)
		if st["node_reachable"] == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: node_reachable still %v after 45s", c.name, st["node_reachable"])
		}
		time.Sleep(100 * time.Millisecond) // polling interval of a bounded wait
	}
}

// waitOnline polls c's contacts until peer's presence is want. (Presence
// is polled every 5 s by the client, so a short absence may never show as
// an event; the contact list's state is what the user sees.)
func waitOnline(t *testing.T, c *clientProc, peerID string, want bool) {
	t.Helper()
	deadline := time.Now().Add(e2eWait)
	for {
		for _, ct := range c.ok("contacts", nil).([]any) {
			if m := ct.(map[string]any); m["peer_id"] == peerID && m["online"] == want {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s never showed online=%v within %v", c.name, peerID, want, e2eWait)
		}
		time.Sleep(100 * time.Millisecond) // polling interval of a bounded wait
	}
}
