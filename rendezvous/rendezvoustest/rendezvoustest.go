// Package rendezvoustest runs a real parley node in-process for tests: the
// rendezvous/server code on a loopback libp2p host, with an in-memory
// Badger, so tests of the app get the node's exact behaviour (quotas,
// presence, ordering) without a process or a disk.
package rendezvoustest

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"testing"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/parley-chat/parley/p2p"
	"github.com/parley-chat/parley/rendezvous/server"
)

// Node is a running in-process node. Its fields are read-only.
type Node struct {
	// Info is what clients dial (rendezvous.NewClient(h, n.Info, nil)).
	Info   peer.AddrInfo
	Server *server.Server
	Host   host.Host
}

// Start runs a node with cfg (InMemory unless cfg.Dir is set) on
// 127.0.0.1 with the relay service on, and stops it when t ends.
func Start(t testing.TB, cfg server.Config) *Node {
	t.Helper()
	if cfg.Dir == "" {
		cfg.InMemory = true
	}
	srv, err := server.Open(cfg)
	if err != nil {
		t.Fatalf("rendezvoustest: open server: %v", err)
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	h, err := p2p.NewHost(context.Background(), p2p.Config{
		Identity: key, ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"},
		Profile: p2p.ProfileNode, RelayService: true,
	})
	if err != nil {
		_ = srv.Close()
		t.Fatalf("rendezvoustest: new host: %v", err)
	}
	srv.Attach(h)
	t.Cleanup(func() {
		_ = h.Close() // host first: no request arrives mid-shutdown
		if err := srv.Close(); err != nil {
			t.Errorf("rendezvoustest: close server: %v", err)
		}
	})
	return &Node{Info: peer.AddrInfo{ID: h.ID(), Addrs: h.Addrs()}, Server: srv, Host: h}
}
