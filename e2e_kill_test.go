package main

import (
	"fmt"
	"testing"
)

// historyIDs returns the message IDs in c's conversation with peer and
// fails on a duplicate.
func historyIDs(t *testing.T, c *clientProc, with string) map[string]bool {
	t.Helper()
	hist := c.ok("history", map[string]any{"with": with, "limit": 10000}).([]any)
	ids := map[string]bool{}
	for _, h := range hist {
		id := str(h.(map[string]any)["id"])
		if ids[id] {
			t.Fatalf("%s: message %s twice in history", c.name, id)
		}
		ids[id] = true
	}
	return ids
}

// TestReceiverKilledBeforeAck (fault 15): bob is SIGKILLed while he
// processes a full mailbox, between his vault commit and the mailbox ACK.
// After a restart every message is there exactly once and no message
// event repeats.
func TestReceiverKilledBeforeAck(t *testing.T) {
	p := startPair(t)
	p.bob.quit()
	const n = 200
	for i := range n {
		p.alice.ok("send", map[string]any{"to": p.bobID, "text": fmt.Sprintf("kill test %03d", i)})
	}
	waitMailboxed(t, p.alice, p.bobID, n)

	bob := spawnClient(t, p.bin, p.bobDir, "bob")
	first := bob.waitEvent("message", func(m map[string]any) bool { return m["from"] == p.aliceID })
	bob.sigkill()
	shown := map[string]int{str(first["id"]): 1}
	for _, ev := range bob.events {
		if ev["event"] == "message" {
			shown[str(ev["id"])]++
		}
	}
	for m := range bob.lines { // whatever was printed before the kill
		if m["event"] == "message" {
			shown[str(m["id"])]++
		}
	}

	bob = startClient(t, p.bin, p.bobDir, "bob")
	waitStatus(t, p.alice, p.bobID, n, "delivered")
	if ids := historyIDs(t, bob, p.aliceID); len(ids) != n {
		t.Fatalf("bob has %d messages after the crash, want %d", len(ids), n)
	}
	for _, ev := range bob.events {
		if ev["event"] == "message" {
			shown[str(ev["id"])]++
		}
	}
	for id, k := range shown {
		if k > 1 {
			t.Errorf("message %s shown %d times", id, k)
		}
	}
	t.Logf("%d messages shown before the kill, %d in total", len(shown), n)
}

// TestSenderKilledAfterSend (fault 14, one trial): alice is SIGKILLed right
// after her last send was acknowledged; after a restart every message is
// delivered exactly once.
func TestSenderKilledAfterSend(t *testing.T) {
	p := startPair(t)
	const n = 50
	for i := range n {
		p.alice.ok("send", map[string]any{"to": p.bobID, "text": fmt.Sprintf("crash test %03d", i)})
	}
	p.alice.sigkill()
	alice := startClient(t, p.bin, p.aliceDir, "alice")
	waitStatus(t, alice, p.bobID, n, "delivered")
	if ids := historyIDs(t, p.bob, p.aliceID); len(ids) != n {
		t.Fatalf("bob has %d messages, want %d", len(ids), n)
	}
}
