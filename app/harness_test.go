package app

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/host"

	"github.com/parley-chat/parley/p2p"
	"github.com/parley-chat/parley/rendezvous/server"
	"github.com/parley-chat/parley/vault"
)

// testNode is a real rendezvous node on 127.0.0.1 with its Badger DB in a
// temp dir.
type testNode struct {
	host host.Host
	srv  *server.Server
	addr string
	dir  string
	key  ed25519.PrivateKey
}

func startNode(t testing.TB) *testNode {
	t.Helper()
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	n := &testNode{dir: t.TempDir(), key: key}
	n.start(t, "/ip4/127.0.0.1/tcp/0")
	t.Cleanup(n.stop)
	return n
}

func (n *testNode) start(t testing.TB, listen string) {
	t.Helper()
	h, err := p2p.NewHost(t.Context(), p2p.Config{Identity: n.key, ListenAddrs: []string{listen}, Profile: p2p.ProfileNode})
	if err != nil {
		t.Fatalf("node host: %v", err)
	}
	srv, err := server.Open(server.Config{Dir: n.dir})
	if err != nil {
		t.Fatalf("node open: %v", err)
	}
	srv.Attach(h)
	n.host, n.srv = h, srv
	n.addr = fmt.Sprintf("%s/p2p/%s", h.Addrs()[0], h.ID())
}

func (n *testNode) stop() {
	if n.host != nil {
		_ = n.host.Close()
		_ = n.srv.Close()
		n.host = nil
	}
}

// restart stops the node and starts it again on the same address.
func (n *testNode) restart(t testing.TB) {
	t.Helper()
	listen := n.host.Addrs()[0].String()
	n.stop()
	n.start(t, listen)
}

// testUser is a profile with its running client and event stream.
type testUser struct {
	t      testing.TB
	name   string
	dir    string
	nodes  []string
	listen string // "" means /ip4/127.0.0.1/tcp/0
	c      *Client
	events <-chan Event
	stop   context.CancelFunc
	done   chan error
}

var testTiming = Timing{Poll: 150 * time.Millisecond, Presence: 150 * time.Millisecond, RegisterTTL: 3 * time.Second, MaxBackoff: 500 * time.Millisecond, Call: 5 * time.Second}

var testPass = []byte("correct horse battery staple")

func newUser(t testing.TB, name string, nodes ...string) *testUser {
	t.Helper()
	u := &testUser{t: t, name: name, dir: filepath.Join(t.TempDir(), name), nodes: nodes}
	err := CreateProfile(t.Context(), ProfileConfig{Dir: u.dir, Name: name, Passphrase: testPass, Nodes: nodes, KDF: &vault.TestKDF})
	if err != nil {
		t.Fatalf("CreateProfile(%s): %v", name, err)
	}
	u.open()
	t.Cleanup(u.close)
	return u
}

// open unlocks the profile and runs the client.
func (u *testUser) open() {
	u.t.Helper()
	listen := u.listen
	if listen == "" {
		listen = "/ip4/127.0.0.1/tcp/0"
	}
	c, err := Open(u.t.Context(), Config{Dir: u.dir, Passphrase: testPass, Listen: []string{listen}, KDF: &vault.TestKDF, Timing: testTiming, DisableMDNS: true})
	if err != nil {
		u.t.Fatalf("Open(%s): %v", u.name, err)
	}
	u.c = c
	ctx, cancel := context.WithCancel(context.Background())
	_, u.events = c.Subscribe(ctx)
	u.stop, u.done = cancel, make(chan error, 1)
	go func() { u.done <- c.Run(ctx) }()
}

// close stops the client (idempotent).
func (u *testUser) close() {
	if u.c == nil {
		return
	}
	u.stop()
	if err := <-u.done; err != nil {
		u.t.Errorf("Run(%s) = %v", u.name, err)
	}
	if err := u.c.Close(); err != nil {
		u.t.Errorf("Close(%s) = %v", u.name, err)
	}
	u.c = nil
}

func (u *testUser) restart() {
	u.close()
	u.open()
}

func (u *testUser) id() PeerID { return u.c.Me().PeerID }

// wait returns the first event for which match is true, failing after 20 s.
func (u *testUser) wait(what string, match func(Event) bool) Event {
	u.t.Helper()
	return u.waitOrState(what, match, nil)
}

// waitOrState is wait that also returns (nil) as soon as state, if not nil,
// reports true: checked before each event and every 20 ms. It is for a
// condition whose event may have gone by during an earlier wait.
func (u *testUser) waitOrState(what string, match func(Event) bool, state func() bool) Event {
	u.t.Helper()
	deadline := time.NewTimer(20 * time.Second)
	defer deadline.Stop()
	var tick <-chan time.Time
	if state != nil {
		tk := time.NewTicker(20 * time.Millisecond)
		defer tk.Stop()
		tick = tk.C
	}
	for {
		if state != nil && state() {
			return nil
		}
		select {
		case <-tick:
		case ev, ok := <-u.events:
			if !ok {
				u.t.Fatalf("%s: event stream closed while waiting for %s", u.name, what)
			}
			if match(ev) {
				return ev
			}
		case <-deadline.C:
			u.t.Fatalf("%s: timed out waiting for %s", u.name, what)
		}
	}
}

// befriend makes a and b friends through an invite.
func befriend(t testing.TB, a, b *testUser) {
	t.Helper()
	if _, err := a.c.AddContact(t.Context(), b.c.Me().Invite, "hi, it's "+a.name); err != nil {
		t.Fatalf("AddContact: %v", err)
	}
	b.wait("friend request", func(ev Event) bool { _, ok := ev.(FriendRequestReceived); return ok })
	if err := b.c.Accept(t.Context(), a.id()); err != nil {
		t.Fatalf("Accept: %v", err)
	}
	a.wait("friend accepted", func(ev Event) bool { _, ok := ev.(FriendAccepted); return ok })
}

func isArrived(text string) func(Event) bool {
	return func(ev Event) bool { m, ok := ev.(MessageArrived); return ok && m.Msg.Text == text }
}

func isStatus(id MsgID, st MessageStatus) func(Event) bool {
	return func(ev Event) bool {
		s, ok := ev.(MessageStatusChanged)
		return ok && s.ID == id && s.Status == st
	}
}
