package app

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/parley-chat/parley/rendezvous"
	"github.com/parley-chat/parley/rendezvous/server"
)

// nodeSet holds the clients of rendezvous nodes: our home nodes (where we
// register and fetch) and friends' home nodes (where we look them up and
// deposit), plus the embedded node when the profile has no home node.
type nodeSet struct {
	h   host.Host
	log *slog.Logger

	mu      sync.Mutex // guards the fields below
	homes   []peer.ID
	clients map[peer.ID]*rendezvous.Client
	// embedded is the in-process node (nil when home nodes are set).
	embedded *server.Server
	// local reads our own inbox on the embedded node (nil without one).
	local *rendezvous.Client
}

func newNodeSet(cfg Config, h host.Host, homes []peer.AddrInfo, log *slog.Logger) (*nodeSet, error) {
	n := &nodeSet{h: h, log: log, clients: make(map[peer.ID]*rendezvous.Client)}
	n.setHomes(homes)
	if len(homes) > 0 {
		return n, nil
	}
	// Zero set-up: no home node, so this client is its own rendezvous and
	// mailbox node; friends on the LAN reach it directly.
	srv, err := server.Open(server.Config{Dir: filepath.Join(cfg.Dir, "node"), Logger: cfg.Logger, Now: cfg.Now})
	if err != nil {
		return nil, fmt.Errorf("open embedded node: %w", err)
	}
	loop := newLoopHost(h)
	srv.Attach(loop)
	n.embedded = srv
	n.local = rendezvous.NewClient(loop, peer.AddrInfo{ID: h.ID()}, log)
	return n, nil
}

// setHomes replaces the home nodes.
func (n *nodeSet) setHomes(homes []peer.AddrInfo) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.homes = n.homes[:0]
	for _, ai := range homes {
		n.clientLocked(ai)
		n.homes = append(n.homes, ai.ID)
	}
}

// home returns the clients of our home nodes.
func (n *nodeSet) home() []*rendezvous.Client {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]*rendezvous.Client, 0, len(n.homes))
	for _, id := range n.homes {
		out = append(out, n.clients[id])
	}
	return out
}

// isHome reports whether p is one of our home nodes.
func (n *nodeSet) isHome(p peer.ID) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, id := range n.homes {
		if id == p {
			return true
		}
	}
	return false
}

// isEmbedded reports whether this client runs its own node.
func (n *nodeSet) isEmbedded() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.embedded != nil && len(n.homes) == 0
}

// localInbox returns the client of our own inbox on the embedded node,
// or nil when there is none.
func (n *nodeSet) localInbox() *rendezvous.Client {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.local
}

// client returns the client of node ai, creating it on first use.
func (n *nodeSet) client(ai peer.AddrInfo) *rendezvous.Client {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.clientLocked(ai)
}

func (n *nodeSet) clientLocked(ai peer.AddrInfo) *rendezvous.Client {
	if c, ok := n.clients[ai.ID]; ok {
		return c
	}
	c := rendezvous.NewClient(n.h, ai, n.log)
	n.clients[ai.ID] = c
	return c
}

// closeClients closes the node streams. Closing is best effort and its
// errors are only logged: a stream whose connection a node restart already
// reset says so on Close, and nothing durable depends on it (the vault,
// closed later, holds every state).
func (n *nodeSet) closeClients() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	var errs []error
	for _, c := range n.clients {
		errs = append(errs, c.Close())
	}
	if n.local != nil {
		errs = append(errs, n.local.Close())
	}
	if err := errors.Join(errs...); err != nil {
		n.log.Debug("close node streams", "err", err)
	}
	return nil
}

func (n *nodeSet) closeEmbedded() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.embedded == nil {
		return nil
	}
	return n.embedded.Close()
}

// parseNodes parses node multiaddrs, each ending in /p2p/<peer ID>.
func parseNodes(addrs []string) ([]peer.AddrInfo, error) {
	var out []peer.AddrInfo
	for _, s := range addrs {
		a, err := ma.NewMultiaddr(s)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadNode, err)
		}
		ai, err := peer.AddrInfoFromP2pAddr(a)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadNode, err)
		}
		out = append(out, *ai)
	}
	return out, nil
}
