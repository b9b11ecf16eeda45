package main

import (
	"fmt"
	"testing"
	"time"
)

// TestFaultSenderKilled (issue 6, item 14): alice is SIGKILLed at a random
// point while sending a burst (before, during or after the outbox commit,
// during direct delivery, while the ack comes back); she restarts on the same
// profile each time. At the end every message alice holds is delivered to
// bob exactly once, every send alice got a reply for is among them, and bob
// saw each as one message event. 10 trials in CI, 100 with PARLEY_LONG=1.
func TestFaultSenderKilled(t *testing.T) {
	w := newWorld(t)
	rng := seededRand(t)
	trials := pick(10, 100)
	acked := map[string]string{} // message ID → text of every send that got its reply
	for trial := range trials {
		reqs := map[string]string{}
		for i := range 6 {
			id, text := fmt.Sprintf("k%d-%d", trial, i), fmt.Sprintf("kill trial %d message %d", trial, i)
			reqs[id] = text
			if err := w.alice.sendRaw(id, "send", map[string]any{"to": w.bobID, "text": text}); err != nil {
				t.Fatalf("trial %d: write send: %v", trial, err)
			}
		}
		// Mostly early kills (mid-burst: some sends not yet read or
		// committed), sometimes late ones (during delivery and its ack).
		delay := time.Duration(rng.IntN(40)) * time.Millisecond
		if rng.IntN(3) == 0 {
			delay = time.Duration(rng.IntN(400)) * time.Millisecond
		}
		n := 0
		for _, m := range w.alice.killAfter(delay) {
			if text, ok := reqs[str(m["id"])]; ok && m["ok"] == true {
				acked[str(m["result"].(map[string]any)["message_id"])] = text
				n++
			}
		}
		t.Logf("trial %d: killed after %v, %d of 6 sends acknowledged", trial, delay, n)
		w.alice = startClient(t, w.bin, w.aliceDir, "alice")
	}
	sent := waitAllDelivered(t, w.alice, w.bobID, 10*trials, 2*time.Minute)
	received := historyOf(w.bob, w.aliceID, 10*trials)
	assertExactlyOnce(t, sent, received, w.aliceID)
	held := map[string]bool{}
	for _, m := range sent {
		held[str(m["id"])] = true
	}
	for id, text := range acked {
		if !held[id] {
			t.Errorf("acknowledged send %s (%q) is not in alice's history after the kills", id, text)
		}
	}
	events := map[string]int{}
	for _, m := range w.bob.events {
		if m["event"] == "message" && m["from"] == w.aliceID {
			events[str(m["id"])]++
		}
	}
	for id, n := range events {
		if n > 1 {
			t.Errorf("bob saw message %s %d times", id, n)
		}
	}
	t.Logf("%d trials: %d sends acknowledged, %d messages held by alice, all delivered once", trials, len(acked), len(sent))
}

// TestFaultReceiverKilled (issue 6, item 15): bob is SIGKILLed at random
// points while alice's messages reach him (directly, or from the mailbox
// while he starts up), i.e. also between his vault commit and his ack. After
// each restart the unacknowledged messages come again; in the end bob holds
// each message exactly once and no message event was shown twice, across
// all his lives. 10 trials in CI, 100 with PARLEY_LONG=1.
func TestFaultReceiverKilled(t *testing.T) {
	w := newWorld(t)
	rng := seededRand(t)
	trials := pick(10, 100)
	shown := map[string]int{} // message ID → message events over all of bob's lives
	count := func(lines []map[string]any) {
		for _, m := range lines {
			if m["event"] == "message" && m["from"] == w.aliceID {
				shown[str(m["id"])]++
			}
		}
	}
	for trial := range trials {
		for i := range 6 {
			w.alice.ok("send", map[string]any{"to": w.bobID, "text": fmt.Sprintf("receiver kill %d/%d", trial, i)})
		}
		delay := time.Duration(rng.IntN(300)) * time.Millisecond
		count(w.bob.killAfter(delay))
		t.Logf("trial %d: bob killed after %v", trial, delay)
		w.bob = startClient(t, w.bin, w.bobDir, "bob")
	}
	sent := waitAllDelivered(t, w.alice, w.bobID, 10*trials, 2*time.Minute)
	received := historyOf(w.bob, w.aliceID, 10*trials)
	assertExactlyOnce(t, sent, received, w.aliceID)
	count(w.bob.killAfter(0))
	for id, n := range shown {
		if n > 1 {
			t.Errorf("message %s shown %d times across restarts", id, n)
		}
	}
	t.Logf("%d trials: %d messages, %d message events shown, none twice", trials, len(sent), len(shown))
}
