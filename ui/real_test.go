package ui

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/parley-chat/parley/app"
	"github.com/parley-chat/parley/p2p"
	"github.com/parley-chat/parley/rendezvous/server"
	"github.com/parley-chat/parley/vault"
)

// The real-core test runs the GUI over app.Client on loopback: a real
// rendezvous node, Alice in the GUI, Bob as a bare client.

var realTiming = app.Timing{Poll: 150 * time.Millisecond, Presence: 150 * time.Millisecond,
	RegisterTTL: 3 * time.Second, MaxBackoff: 500 * time.Millisecond, Call: 5 * time.Second}

func realConfig(dir string, pass []byte) app.Config {
	return app.Config{Dir: dir, Passphrase: pass, Listen: []string{"/ip4/127.0.0.1/tcp/0"},
		KDF: &vault.TestKDF, Timing: realTiming, DisableMDNS: true}
}

// realOpener is the GUI entry point's opener with test settings.
type realOpener struct {
	dir  string
	node string
	runs sync.WaitGroup
	ctx  context.Context
}

func (o *realOpener) ProfileExists() bool { return app.ProfileExists(o.dir) }
func (o *realOpener) DefaultNode() string { return o.node }
func (o *realOpener) Create(ctx context.Context, name string, pass []byte, nodes []string) error {
	return app.CreateProfile(ctx, app.ProfileConfig{Dir: o.dir, Name: name, Passphrase: pass, Nodes: nodes, KDF: &vault.TestKDF})
}
func (o *realOpener) Unlock(ctx context.Context, pass []byte) (Core, error) {
	c, err := app.Open(ctx, realConfig(o.dir, pass))
	if err != nil {
		return nil, err
	}
	o.runs.Go(func() { _ = c.Run(o.ctx) })
	return c, nil
}

func startRealNode(t *testing.T) string {
	t.Helper()
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	h, err := p2p.NewHost(t.Context(), p2p.Config{Identity: key, ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}, Profile: p2p.ProfileNode})
	if err != nil {
		t.Fatalf("node host: %v", err)
	}
	srv, err := server.Open(server.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("node open: %v", err)
	}
	srv.Attach(h)
	t.Cleanup(func() { _ = h.Close(); _ = srv.Close() })
	return fmt.Sprintf("%s/p2p/%s", h.Addrs()[0], h.ID())
}

// startBob runs a bare client and returns it with its event stream.
func startBob(t *testing.T, node string) (*app.Client, <-chan app.Event) {
	t.Helper()
	dir, pass := filepath.Join(t.TempDir(), "bob"), []byte("bob's passphrase")
	if err := app.CreateProfile(t.Context(), app.ProfileConfig{Dir: dir, Name: "Bob", Passphrase: pass, Nodes: []string{node}, KDF: &vault.TestKDF}); err != nil {
		t.Fatalf("CreateProfile(Bob): %v", err)
	}
	c, err := app.Open(t.Context(), realConfig(dir, pass))
	if err != nil {
		t.Fatalf("Open(Bob): %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	_, events := c.Subscribe(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = c.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; _ = c.Close() })
	return c, events
}

func waitEvent(t *testing.T, events <-chan app.Event, what string, match func(app.Event) bool) app.Event {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatalf("event stream closed while waiting for %s", what)
			}
			if match(ev) {
				return ev
			}
		case <-timeout:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestRealCore(t *testing.T) {
	if testing.Short() {
		t.Skip("real libp2p hosts")
	}
	node := startRealNode(t)
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, widget.NewLabel(""))
	w.Resize(fyne.NewSize(960, 640))
	op := &realOpener{dir: filepath.Join(t.TempDir(), "alice"), node: node, ctx: t.Context()}
	h := &harness{t: t, w: w, q: &uiQueue{}, op: nil, now: testNow}
	h.g = New(t.Context(), a, w, op)
	h.g.bg.do = h.q.do
	t.Cleanup(func() {
		h.g.Close()
		h.settle()
		op.runs.Wait()
	})
	h.g.Start()
	within := func(what string, cond func() bool) { h.eventuallyWithin(30*time.Second, what, cond) }

	// First run: the node is pre-filled from --node.
	f := h.g.firstRun
	if f.node.Text != node {
		t.Fatalf("node field = %q, want the default node", f.node.Text)
	}
	test.Type(f.name, "Alice")
	test.Type(f.pass, "alice's long passphrase")
	test.Type(f.again, "alice's long passphrase")
	test.Tap(f.create)
	within("main screen", func() bool { return h.g.sess != nil && h.g.sess.me.Name == "Alice" })
	s := h.g.sess

	// Bob asks to be friends with Alice's invite; Alice accepts in the GUI.
	bob, bobEvents := startBob(t, node)
	if _, err := bob.AddContact(t.Context(), s.me.Invite, "Hi Alice, it's Bob"); err != nil {
		t.Fatalf("Bob's AddContact: %v", err)
	}
	within("friend request", func() bool { return len(s.requests) == 1 })
	s.showRequests()
	test.Tap(s.reqDlg.rows[bob.Me().PeerID].accept)
	waitEvent(t, bobEvents, "friend accepted", func(ev app.Event) bool { _, ok := ev.(app.FriendAccepted); return ok })
	within("Bob in the contacts", func() bool { c, ok := s.contacts.get(bob.Me().PeerID); return ok && c.State == app.StateFriend })

	// Alice writes; Bob receives; the mark moves to delivered.
	conv := h.open(bob.Me().PeerID)
	test.Type(conv.composer, "Hello Bob!")
	conv.composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	waitEvent(t, bobEvents, "Alice's message", func(ev app.Event) bool {
		m, ok := ev.(app.MessageArrived)
		return ok && m.Msg.Text == "Hello Bob!"
	})
	within("delivered mark", func() bool {
		for _, b := range conv.bubbles {
			if b.msg.Outgoing && b.msg.Status == app.StatusDelivered {
				return true
			}
		}
		return false
	})

	// Bob answers; the bubble appears in the open conversation.
	if _, err := bob.Send(t.Context(), s.me.PeerID, "Hi Alice"); err != nil {
		t.Fatalf("Bob's Send: %v", err)
	}
	within("Bob's answer", func() bool {
		for _, b := range conv.bubbles {
			if !b.msg.Outgoing && b.msg.Text == "Hi Alice" {
				return true
			}
		}
		return false
	})
}
