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

// profile creates a profile called name and opens it (not running).
func profile(t *testing.T, name string) *app.Client {
	t.Helper()
	dir, pass := filepath.Join(t.TempDir(), name), []byte("pw")
	if err := app.CreateProfile(t.Context(), app.ProfileConfig{Dir: dir, Name: name, Passphrase: pass, KDF: &vault.TestKDF}); err != nil {
		t.Fatal(err)
	}
	c, err := app.Open(t.Context(), app.Config{Dir: dir, Passphrase: pass, Listen: []string{"/ip4/127.0.0.1/tcp/0"}, KDF: &vault.TestKDF, DisableMDNS: true})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestRemoveContactCommand: remove_contact answers {} and is followed by a
// contact_removed event; the contact is gone from contacts; removing it
// again is an "Unknown contact" error.
func TestRemoveContactCommand(t *testing.T) {
	bob := profile(t, "bob")
	bobID, invite := string(bob.Me().PeerID), bob.Me().Invite
	if err := bob.Close(); err != nil {
		t.Fatal(err)
	}
	alice := profile(t, "alice")
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- Serve(context.Background(), alice, inR, outW); outW.Close() }()
	lines := make(chan map[string]any, 64)
	go func() {
		sc := bufio.NewScanner(outR)
		sc.Buffer(nil, maxLine)
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Errorf("output line %q is not JSON: %v", sc.Text(), err)
			}
			lines <- m
		}
		close(lines)
	}()
	t.Cleanup(func() {
		inW.Close() // EOF ends the session
		for range lines {
		}
		if err := <-done; err != nil {
			t.Errorf("Serve = %v", err)
		}
	})
	var events []map[string]any
	// next returns the next line that is (or is not) an event; it keeps
	// the events it passes.
	next := func(event bool) map[string]any {
		t.Helper()
		timeout := time.After(20 * time.Second)
		for {
			select {
			case m, ok := <-lines:
				if !ok {
					t.Fatal("output ended")
				}
				if _, isEvent := m["event"]; isEvent != event {
					if isEvent {
						events = append(events, m)
					}
					continue
				}
				return m
			case <-timeout:
				t.Fatalf("no line (event %v) within 20 s", event)
			}
		}
	}
	call := func(req string) map[string]any {
		t.Helper()
		io.WriteString(inW, req+"\n")
		return next(false)
	}
	removed := func() bool {
		for _, ev := range events {
			if ev["event"] == "contact_removed" && ev["peer_id"] == bobID {
				return true
			}
		}
		return false
	}

	if r := call(`{"id":1,"cmd":"add","invite":"` + invite + `","greeting":"hi"}`); r["ok"] != true {
		t.Fatalf("add = %v", r)
	}
	if r := call(`{"id":2,"cmd":"remove_contact","peer_id":"` + bobID + `"}`); r["ok"] != true || r["result"] == nil {
		t.Fatalf("remove_contact = %v, want ok with {}", r)
	}
	for !removed() {
		events = append(events, next(true)) // the event may follow the reply
	}
	if r := call(`{"id":3,"cmd":"contacts"}`); r["ok"] != true || len(r["result"].([]any)) != 0 {
		t.Fatalf("contacts after remove_contact = %v, want []", r)
	}
	r := call(`{"id":4,"cmd":"remove_contact","peer_id":"` + bobID + `"}`)
	if msg, _ := r["error"].(string); r["ok"] != false || !strings.HasPrefix(msg, "Unknown contact") {
		t.Fatalf("remove_contact of a removed contact = %v, want an Unknown contact error", r)
	}
}
