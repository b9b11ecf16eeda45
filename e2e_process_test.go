package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	lcrypto "github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	"google.golang.org/protobuf/proto"

	"github.com/parley-chat/parley/app"
	"github.com/parley-chat/parley/app/e2e"
	"github.com/parley-chat/parley/rendezvous"
)

// TestEndToEndProcesses runs real processes of the binary: a node, alice
// and bob. Invite exchange, request, accept; a message each way while both
// are online; bob quits, alice sends 100 messages, the node restarts, bob
// comes back and receives all 100 in order, once each; the node's data
// holds no plaintext; a stranger's message never surfaces.
func TestEndToEndProcesses(t *testing.T) {
	bin := buildNodeBinary(t)
	start := time.Now()
	root := t.TempDir()
	nodeDir := filepath.Join(root, "node")
	port := freeTCPPort(t)
	listen := fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", port)
	node := startNodeProc(t, bin, nodeDir, 1, "--listen", listen)
	nodeAddr := node.addrs[0]

	aliceDir, bobDir := filepath.Join(root, "alice"), filepath.Join(root, "bob")
	initProfile(t, bin, aliceDir, "alice", nodeAddr)
	initProfile(t, bin, bobDir, "bob", nodeAddr)
	alice, bob := startClient(t, bin, aliceDir, "alice"), startClient(t, bin, bobDir, "bob")

	aliceMe := alice.ok("whoami", nil).(map[string]any)
	bobMe := bob.ok("whoami", nil).(map[string]any)
	if aliceMe["version"] != float64(1) {
		t.Errorf("whoami version = %v, want 1", aliceMe["version"])
	}
	aliceID, bobID := str(aliceMe["peer_id"]), str(bobMe["peer_id"])

	t.Logf("%v: clients ready", time.Since(start))
	// Invite exchange, request, accept.
	res := alice.ok("add", map[string]any{"invite": bobMe["invite"], "greeting": "hi, alice here"}).(map[string]any)
	if res["peer_id"] != bobID {
		t.Fatalf("add returned %v, want %s", res["peer_id"], bobID)
	}
	req := bob.waitEvent("friend_request", func(m map[string]any) bool { return m["peer_id"] == aliceID })
	if req["name"] != "alice" || req["greeting"] != "hi, alice here" {
		t.Errorf("friend_request = %v", req)
	}
	bob.ok("accept", map[string]any{"peer_id": aliceID})
	alice.waitEvent("friend_accepted", func(m map[string]any) bool { return m["peer_id"] == bobID })

	t.Logf("%v: friends", time.Since(start))
	// One message each way while both are online.
	exchange(t, alice, bob, aliceID, bobID, "hello bob")
	exchange(t, bob, alice, bobID, aliceID, "hello alice")

	t.Logf("%v: online exchange done", time.Since(start))
	// Bob leaves; a stranger deposits a message for him; alice sends 100.
	bob.quit()
	stranger := depositStrangerMessage(t, node.info(t), bobID, "stranger says buy now")
	var want []string
	for i := range 100 {
		text := fmt.Sprintf("offline message %03d", i)
		want = append(want, text)
		alice.ok("send", map[string]any{"to": bobID, "text": text})
	}
	waitMailboxed(t, alice, bobID, 100)
	t.Logf("%v: 100 sent", time.Since(start))

	// The node restarts with the 100 envelopes in its mailbox.
	if err := node.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := node.waitExit(t, e2eWait); code != 0 {
		t.Fatalf("node exit code %d; stderr:\n%s", code, node.stderr)
	}
	node = startNodeProc(t, bin, nodeDir, 1, "--listen", listen)

	bob = startClient(t, bin, bobDir, "bob")
	t.Logf("%v: node restarted", time.Since(start))
	_ = bob // the ready event came after the first mailbox fetch
	got := receiveTexts(t, bob, aliceID, len(want))
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("message %d = %q, want %q (in order)", i, got[i], want[i])
		}
	}
	t.Logf("%v: 100 received", time.Since(start))
	hist := bob.ok("history", map[string]any{"with": aliceID, "limit": 500}).([]any)
	seen := map[string]bool{}
	for _, h := range hist {
		m := h.(map[string]any)
		if seen[str(m["id"])] {
			t.Fatalf("duplicate message %v in bob's history", m["id"])
		}
		seen[str(m["id"])] = true
	}
	if len(hist) != 102 {
		t.Errorf("bob's history has %d messages, want 102", len(hist))
	}
	// Receipts reach alice: every offline message becomes delivered.
	waitStatus(t, alice, bobID, 100, "delivered")

	t.Logf("%v: receipts delivered", time.Since(start))
	// The stranger's message never surfaced.
	if r := bob.call("history", map[string]any{"with": stranger.String(), "limit": 10}); r["ok"] == true && len(r["result"].([]any)) > 0 {
		t.Errorf("stranger's message is in bob's history: %v", r)
	}
	for _, ev := range bob.events {
		if ev["event"] == "message" && ev["from"] != aliceID {
			t.Errorf("bob got a message from a non-friend: %v", ev)
		}
	}

	alice.quit()
	bob.quit()
	if err := node.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	node.waitExit(t, e2eWait)
	assertNoPlaintext(t, nodeDir, append(want, "hello bob", "hello alice", "stranger says buy now", "hi, alice here"))
}

// exchange sends text from a to b and waits for the message and delivered events.
func exchange(t *testing.T, from, to *clientProc, fromID, toID, text string) {
	t.Helper()
	res := from.ok("send", map[string]any{"to": toID, "text": text}).(map[string]any)
	id := res["message_id"]
	msg := to.waitEvent("message", func(m map[string]any) bool { return m["id"] == id })
	if msg["text"] != text || msg["from"] != fromID {
		t.Errorf("message event = %v, want text %q from %s", msg, text, fromID)
	}
	from.waitEvent("delivered", func(m map[string]any) bool { return m["id"] == id && m["to"] == toID })
}

// waitMailboxed polls alice's history until n messages are at least in
// the mailbox (bounded by e2eWait).
func waitMailboxed(t *testing.T, c *clientProc, with string, n int) {
	t.Helper()
	waitStatus(t, c, with, n, "mailbox", "delivered")
}

// waitStatus polls history until the newest n messages have one of states.
func waitStatus(t *testing.T, c *clientProc, with string, n int, states ...string) {
	t.Helper()
	deadline := time.Now().Add(e2eWait)
	for {
		hist := c.ok("history", map[string]any{"with": with, "limit": n}).([]any)
		done := 0
		for _, h := range hist {
			for _, s := range states {
				if h.(map[string]any)["status"] == s {
					done++
				}
			}
		}
		if done == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d of %d messages reached %v", c.name, done, n, states)
		}
		time.Sleep(50 * time.Millisecond) // polling interval of a bounded wait
	}
}

// receiveTexts collects n message events from sender, in arrival order.
func receiveTexts(t *testing.T, c *clientProc, from string, n int) []string {
	t.Helper()
	var got []string
	for len(got) < n {
		m := c.waitEvent("message", func(m map[string]any) bool { return m["from"] == from })
		got = append(got, str(m["text"]))
	}
	return got
}

// depositStrangerMessage puts into to's mailbox a validly signed message
// envelope from a stranger (who made a session with someone else).
func depositStrangerMessage(t *testing.T, node peer.AddrInfo, to, text string) peer.ID {
	t.Helper()
	s, err := e2e.NewIdentity(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := e2e.NewIdentity(rand.Reader)
	sCard, _ := e2e.NewCard(s, "mallory", nil, time.Now())
	oCard, _ := e2e.NewCard(other, "other", nil, time.Now())
	sealed, pending, err := e2e.NewRequest(rand.Reader, s, sCard, &oCard.Card, "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	req, err := e2e.OpenRequest(other, sealed)
	if err != nil {
		t.Fatal(err)
	}
	acc, _, err := e2e.Accept(rand.Reader, other, oCard, req, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	_, sess, err := e2e.OpenAccept(s, pending, acc)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := proto.Marshal(&app.Content{Id: "00112233445566778899aabbccddeeff", SentAt: time.Now().UnixNano(), Kind: app.Kind_KIND_TEXT, Text: text})
	env, err := sess.Seal(rand.Reader, plain)
	if err != nil {
		t.Fatal(err)
	}
	packet, _ := proto.Marshal(&app.Packet{Body: &app.Packet_Envelope{Envelope: env}})
	h := newTestHost(t)
	rc := rendezvous.NewClient(h, node, nil)
	toID, err := peer.Decode(to)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), e2eWait)
	defer cancel()
	if err := rc.Put(ctx, toID, packet); err != nil {
		t.Fatalf("stranger put: %v", err)
	}
	sid, _ := peer.IDFromPublicKey(mustLibp2pKey(t, s))
	return sid
}

// assertNoPlaintext fails if any file under dir contains one of texts.
func assertNoPlaintext(t *testing.T, dir string, texts []string) {
	t.Helper()
	files := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		for _, s := range texts {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s contains the plaintext %q", path, s)
			}
		}
		return nil
	})
	if err != nil || files == 0 {
		t.Fatalf("walk %s: %d files, %v", dir, files, err)
	}
}

func mustLibp2pKey(t *testing.T, k *e2e.IdentityPrivate) lcrypto.PubKey {
	t.Helper()
	pk, err := lcrypto.UnmarshalEd25519PublicKey(k.Public().Ed25519())
	if err != nil {
		t.Fatal(err)
	}
	return pk
}

// TestClientWrongPassphrase: a wrong passphrase exits non-zero with one
// clear sentence; malformed JSON gets an error reply and the client keeps
// running; EOF exits cleanly.
func TestClientWrongPassphrase(t *testing.T) {
	bin := buildNodeBinary(t)
	dir := filepath.Join(t.TempDir(), "alice")
	initProfile(t, bin, dir, "alice")
	cmd := exec.Command(bin, "client", "--json", "--data", dir)
	cmd.Env = append(os.Environ(), "PARLEY_PASSPHRASE=not the passphrase")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if err == nil || cmd.ProcessState.ExitCode() != 1 || len(lines) != 1 || !strings.Contains(lines[0], "wrong passphrase") {
		t.Fatalf("wrong passphrase: err %v, exit %d, stderr %q; want exit 1 and one sentence", err, cmd.ProcessState.ExitCode(), stderr.String())
	}

	c := startClient(t, bin, dir, "alice")
	if _, err := c.stdin.Write([]byte("{not json\n")); err != nil {
		t.Fatal(err)
	}
	r := c.next("error reply", time.After(e2eWait))
	for r["event"] != nil {
		r = c.next("error reply", time.After(e2eWait))
	}
	if r["ok"] != false || r["error"] == "" {
		t.Fatalf("malformed JSON reply = %v", r)
	}
	c.ok("whoami", nil) // still serving
	c.stdin.Close()     // EOF: clean exit
	select {
	case <-c.exited:
	case <-time.After(e2eWait):
		t.Fatal("client did not exit on EOF")
	}
	if code := c.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit code on EOF = %d; stderr:\n%s", code, c.stderr)
	}
}
