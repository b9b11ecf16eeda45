package jsonclient

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/app"
	"github.com/parley-chat/parley/vault"
)

// TestProtocol pins protocol version 1: whoami reports it, malformed JSON
// gets an error reply and the client keeps serving, unknown commands are
// refused, and EOF ends the session cleanly.
func TestProtocol(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	pass := []byte("pw")
	if err := app.CreateProfile(t.Context(), app.ProfileConfig{Dir: dir, Name: "alice", Passphrase: pass, KDF: &vault.TestKDF}); err != nil {
		t.Fatal(err)
	}
	c, err := app.Open(t.Context(), app.Config{Dir: dir, Passphrase: pass, Listen: []string{"/ip4/127.0.0.1/tcp/0"}, KDF: &vault.TestKDF, DisableMDNS: true})
	if err != nil {
		t.Fatal(err)
	}
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- Serve(context.Background(), c, inR, outW); outW.Close() }()
	lines := bufio.NewScanner(outR)
	read := func(wantID string) map[string]any {
		t.Helper()
		for lines.Scan() {
			var m map[string]any
			if err := json.Unmarshal(lines.Bytes(), &m); err != nil {
				t.Fatalf("output line %q is not JSON: %v", lines.Text(), err)
			}
			if _, ok := m["event"]; ok {
				continue
			}
			if got, _ := json.Marshal(m["id"]); string(got) == wantID {
				return m
			}
		}
		t.Fatalf("no reply with id %s", wantID)
		return nil
	}
	send := func(s string) { io.WriteString(inW, s+"\n") }

	send(`{"id":1,"cmd":"whoami"}`)
	r := read("1")
	res := r["result"].(map[string]any)
	if r["ok"] != true || res["version"] != float64(ProtocolVersion) || ProtocolVersion != 1 || res["name"] != "alice" || !strings.HasPrefix(res["invite"].(string), "parley:") {
		t.Fatalf("whoami = %v, want version 1, name alice and an invite", r)
	}
	send(`{"id":2,"cmd":`)
	if r := read("null"); r["ok"] != false || r["error"] == "" {
		t.Fatalf("malformed JSON reply = %v", r)
	}
	send(`{"id":"x","cmd":"fly"}`)
	if r := read(`"x"`); r["ok"] != false || !strings.Contains(r["error"].(string), "fly") {
		t.Fatalf("unknown command reply = %v", r)
	}
	send(`{"id":3,"cmd":"send","to":"12D3KooWnobody","text":"hi"}`)
	if r := read("3"); r["ok"] != false || r["error"] == "" {
		t.Fatalf("send to unknown = %v", r)
	}
	send(`{"id":4,"cmd":"contacts"}`)
	if r := read("4"); r["ok"] != true || len(r["result"].([]any)) != 0 {
		t.Fatalf("contacts = %v", r)
	}
	go io.Copy(io.Discard, outR)
	inW.Close() // EOF: clean exit
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve = %v, want nil on EOF", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Serve did not return after EOF")
	}
}
