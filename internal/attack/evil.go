package attack

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"sync"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"google.golang.org/protobuf/proto"

	"github.com/parley-chat/parley/p2p"
	"github.com/parley-chat/parley/rendezvous"
	"github.com/parley-chat/parley/rendezvous/server"
)

// EvilNode is a rendezvous node run by a malicious operator: its registry
// and mailbox are the real ones, but its directory stores claims in memory
// and answers RESOLVE with a substitute card when one is set. Safe for
// concurrent use.
type EvilNode struct {
	// Host is the node's libp2p host, listening on 127.0.0.1.
	Host host.Host
	srv  *server.Server

	mu     sync.Mutex // guards claims and subst
	claims map[string]entry
	subst  map[string]entry
}

type entry struct {
	card  []byte
	owner peer.ID
}

// StartEvilNode starts an evil node on 127.0.0.1 with its Badger DB in dir.
// Close stops it.
func StartEvilNode(ctx context.Context, dir string) (*EvilNode, error) {
	srv, err := server.Open(server.Config{Dir: dir})
	if err != nil {
		return nil, fmt.Errorf("evil node: %w", err)
	}
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		_ = srv.Close()
		return nil, err
	}
	h, err := p2p.NewHost(ctx, p2p.Config{Identity: k, ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}, Profile: p2p.ProfileNode})
	if err != nil {
		_ = srv.Close()
		return nil, fmt.Errorf("evil node host: %w", err)
	}
	srv.Attach(h)
	n := &EvilNode{Host: h, srv: srv, claims: map[string]entry{}, subst: map[string]entry{}}
	// Replace the honest directory handler with ours.
	p2p.Serve(h, p2p.ProtoDirectory, n.directory, p2p.Limits{MaxRequest: rendezvous.MaxRequestFrame, MaxResponse: rendezvous.MaxResponseFrame})
	return n, nil
}

// Addr is the node's dialable multiaddr (with /p2p/ID).
func (n *EvilNode) Addr() string {
	return fmt.Sprintf("%s/p2p/%s", n.Host.Addrs()[0], n.Host.ID())
}

// Substitute makes RESOLVE of username answer card, owned by owner,
// whatever was claimed.
func (n *EvilNode) Substitute(username string, card []byte, owner peer.ID) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.subst[username] = entry{card: card, owner: owner}
}

// Claimed returns the card claimed under username (nil if none).
func (n *EvilNode) Claimed(username string) []byte {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.claims[username].card
}

// Close stops the host, then the store.
func (n *EvilNode) Close() error {
	err := n.Host.Close()
	if cerr := n.srv.Close(); err == nil {
		err = cerr
	}
	return err
}

func (n *EvilNode) directory(_ context.Context, from peer.ID, b []byte) ([]byte, error) {
	var req rendezvous.DirectoryRequest
	if err := proto.Unmarshal(b, &req); err != nil {
		return nil, fmt.Errorf("directory request: %w", err)
	}
	resp := &rendezvous.DirectoryResponse{Status: rendezvous.Status_STATUS_OK}
	n.mu.Lock()
	switch {
	case req.GetClaim() != nil:
		n.claims[req.GetClaim().GetUsername()] = entry{card: req.GetClaim().GetCard(), owner: from}
	case req.GetResolve() != nil:
		name := req.GetResolve().GetUsername()
		e, ok := n.subst[name]
		if !ok {
			e, ok = n.claims[name]
		}
		if ok {
			resp.Card, resp.Owner = e.card, []byte(e.owner)
		} else {
			resp.Status = rendezvous.Status_STATUS_NOT_FOUND
		}
	default:
		resp.Status = rendezvous.Status_STATUS_BAD_REQUEST
	}
	n.mu.Unlock()
	return proto.Marshal(resp)
}
