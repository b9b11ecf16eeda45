package main

import (
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

// TestHostileTexts (issue 6, item 13, through the JSON client): a friend
// whose display name carries a right-to-left override and zero-width
// characters ("alice" + RLO + "gpj.exe", "a​lice") shows up without them,
// and distinct from the real alice; a message with bidi controls arrives
// without them; a text over 64 KiB is refused with an error, and one of
// exactly 64 KiB arrives whole.
func TestHostileTexts(t *testing.T) {
	bin := sharedBinary(t)
	root := t.TempDir()
	np := startNodeProc(t, bin, filepath.Join(root, "node"), 1, "--listen", "/ip4/127.0.0.1/tcp/0")
	for _, p := range []struct{ dir, name string }{{"alice", "alice"}, {"mallory", "a\u200Blice\u202Egpj.exe"}, {"bob", "bob"}} {
		initProfile(t, bin, filepath.Join(root, p.dir), p.name, np.addrs[0])
	}
	alice := startClient(t, bin, filepath.Join(root, "alice"), "alice")
	mallory := startClient(t, bin, filepath.Join(root, "mallory"), "mallory")
	bob := startClient(t, bin, filepath.Join(root, "bob"), "bob")
	aliceID, bobID := befriendProcs(t, alice, bob)
	malloryID, _ := befriendProcs(t, mallory, bob)

	names := map[string]string{}
	for _, c := range bob.ok("contacts", nil).([]any) {
		c := c.(map[string]any)
		names[str(c["peer_id"])] = str(c["name"])
	}
	t.Logf("bob's contacts: alice %q, mallory %q", names[aliceID], names[malloryID])
	if strings.ContainsFunc(names[malloryID], func(r rune) bool { return unicode.Is(unicode.Cf, r) || unicode.IsControl(r) }) {
		t.Errorf("mallory's name keeps format/control characters: %q", names[malloryID])
	}
	if names[malloryID] == names[aliceID] {
		t.Errorf("mallory shows as %q, like alice", names[malloryID])
	}

	exchange(t, mallory, bob, malloryID, bobID, "plain")
	res := mallory.ok("send", map[string]any{"to": bobID, "text": "pay \u202E0001\u202C now\u200B"}).(map[string]any)
	msg := bob.waitEvent("message", func(m map[string]any) bool { return m["id"] == res["message_id"] })
	if text := str(msg["text"]); strings.ContainsRune(text, '\u202E') || strings.ContainsRune(text, '\u202C') {
		t.Errorf("message kept bidi controls: %q", text)
	}
	big := strings.Repeat("x", 64<<10)
	if r := alice.call("send", map[string]any{"to": bobID, "text": big + "y"}); r["ok"] == true {
		t.Errorf("a text of 64 KiB + 1 byte was accepted")
	} else {
		t.Logf("64 KiB + 1: %v", r["error"])
	}
	res = alice.ok("send", map[string]any{"to": bobID, "text": big}).(map[string]any)
	msg = bob.waitEvent("message", func(m map[string]any) bool { return m["id"] == res["message_id"] })
	if n := len(str(msg["text"])); n != len(big) {
		t.Errorf("64 KiB text arrived with %d bytes", n)
	}
}
