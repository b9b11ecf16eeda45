package server

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/parley-chat/parley/p2p"
	"github.com/parley-chat/parley/rendezvous"
)

// clock is a fake clock for TTLs and rate limits.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Unix(1_800_000_000, 0)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// testNode is a node served on 127.0.0.1 with a t.TempDir Badger.
type testNode struct {
	t   testing.TB
	cfg Config
	key ed25519.PrivateKey
	// listen is the node's address; fixed after the first start so that
	// a restart comes back on the same port.
	listen string
	srv    *Server
	host   host.Host
}

func newKey(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// startNode opens a node with cfg (Dir defaults to a temp dir, Now to a
// fake clock if nil) and stops it at cleanup.
func startNode(t testing.TB, cfg Config) *testNode {
	t.Helper()
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
	}
	n := &testNode{t: t, cfg: cfg, key: newKey(t)}
	n.start()
	t.Cleanup(n.stop)
	return n
}

func (n *testNode) start() {
	n.t.Helper()
	srv, err := Open(n.cfg)
	if err != nil {
		n.t.Fatalf("Open: %v", err)
	}
	if n.listen == "" {
		n.listen = "/ip4/127.0.0.1/tcp/0"
	}
	h, err := p2p.NewHost(context.Background(), p2p.Config{
		Identity: n.key, ListenAddrs: []string{n.listen}, Profile: p2p.ProfileNode,
	})
	if err != nil {
		_ = srv.Close()
		n.t.Fatalf("NewHost: %v", err)
	}
	srv.Attach(h)
	if err := srv.mbox.ready(context.Background()); err != nil {
		n.t.Fatalf("mailbox load: %v", err)
	}
	n.srv, n.host = srv, h
	n.listen = h.Addrs()[0].String()
}

// stop closes the host, then the server (idempotent).
func (n *testNode) stop() {
	if n.host != nil {
		_ = n.host.Close()
		n.host = nil
	}
	if n.srv != nil {
		if err := n.srv.Close(); err != nil {
			n.t.Errorf("Close: %v", err)
		}
		n.srv = nil
	}
}

func (n *testNode) restart() {
	n.stop()
	n.start()
}

func (n *testNode) info() peer.AddrInfo {
	return peer.AddrInfo{ID: n.host.ID(), Addrs: n.host.Addrs()}
}

// newClient starts a client host (dial only) and a rendezvous client of n.
func newClient(t testing.TB, n *testNode) (*rendezvous.Client, host.Host) {
	t.Helper()
	h, err := p2p.NewHost(context.Background(), p2p.Config{Identity: newKey(t), ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}})
	if err != nil {
		t.Fatalf("NewHost: %v", err)
	}
	c := rendezvous.NewClient(h, n.info(), nil)
	t.Cleanup(func() {
		_ = c.Close()
		_ = h.Close()
	})
	return c, h
}

// sealedInbox starts a node and two clients, alice and bob, and has alice
// deposit "sealed 0" … "sealed <count-1>" in bob's inbox.
func sealedInbox(t testing.TB, count int) (n *testNode, alice, bob *rendezvous.Client, bh host.Host) {
	t.Helper()
	n = startNode(t, Config{})
	alice, _ = newClient(t, n)
	bob, bh = newClient(t, n)
	for i := range count {
		if err := alice.Put(t.Context(), bh.ID(), fmt.Appendf(nil, "sealed %d", i)); err != nil {
			t.Fatalf("Put %d: %v", i, err)
		}
	}
	return n, alice, bob, bh
}

// eventually polls cond every 10ms for up to d.
func eventually(t testing.TB, d time.Duration, cond func() bool) bool {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

// clientWithKey starts a client host with the given libp2p key.
func clientWithKey(t testing.TB, n *testNode, k crypto.PrivKey) *rendezvous.Client {
	t.Helper()
	raw, err := k.Raw()
	if err != nil {
		t.Fatal(err)
	}
	h, err := p2p.NewHost(context.Background(), p2p.Config{Identity: raw, ListenAddrs: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	c := rendezvous.NewClient(h, n.info(), nil)
	t.Cleanup(func() {
		_ = c.Close()
		_ = h.Close()
	})
	return c
}
