package app

import (
	"sync"
	"sync/atomic"
)

// peerState is what the core knows about other peers in memory: presence,
// the parsed cards of contacts, and the couriers that deliver to them.
type peerState struct {
	mu sync.Mutex // guards the fields below
	// online is the last presence reported per friend.
	online map[PeerID]bool
	// cards caches parsed, verified contact cards by peer.
	cards map[PeerID]cardInfo
	// couriers deliver the outbox, one per peer (created by dispatchLoop).
	couriers map[PeerID]*courier
	// pending are peers whose courier should look at the outbox.
	pending map[PeerID]struct{}
	// kick wakes dispatchLoop (capacity 1).
	kick chan struct{}
	// fetch wakes mailboxLoop (capacity 1).
	fetch chan struct{}
	// nodeDown wakes registerLoop when a home node connection drops.
	nodeDown chan struct{}
	// drops counts refused packets.
	drops atomic.Int64
	// reach is whether a home node (or the embedded node) answers.
	reach bool
}

func newPeerState() *peerState {
	return &peerState{
		online:   make(map[PeerID]bool),
		cards:    make(map[PeerID]cardInfo),
		couriers: make(map[PeerID]*courier),
		pending:  make(map[PeerID]struct{}),
		kick:     make(chan struct{}, 1),
		fetch:    make(chan struct{}, 1),
		nodeDown: make(chan struct{}, 1),
	}
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// isOnline reports the last known presence of p.
func (s *peerState) isOnline(p PeerID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.online[p]
}

// setOnline records presence; it reports whether it changed.
func (s *peerState) setOnline(p PeerID, on bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.online[p] == on {
		return false
	}
	s.online[p] = on
	return true
}

// card returns the cached card of p.
func (s *peerState) card(p PeerID) (cardInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ci, ok := s.cards[p]
	return ci, ok
}

func (s *peerState) setCard(ci cardInfo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cards[ci.Peer] = ci
}

// poke asks the courier of p to look at the outbox.
func (s *peerState) poke(p PeerID) {
	s.mu.Lock()
	s.pending[p] = struct{}{}
	s.mu.Unlock()
	signal(s.kick)
}

// takePending returns and clears the poked peers.
func (s *peerState) takePending() map[PeerID]struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pending
	s.pending = make(map[PeerID]struct{})
	return p
}

// reachable reports whether a home node answered last time.
func (s *peerState) reachable() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reach
}

// setReachable records node reachability; it reports whether it changed.
func (s *peerState) setReachable(r bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reach == r {
		return false
	}
	s.reach = r
	return true
}

// countDrop counts a dropped packet (strangers, replays of garbage).
func (s *peerState) countDrop() { s.drops.Add(1) }

// Dropped returns how many incoming packets were refused since Open
// (strangers, bad signatures, undecryptable, rate-limited requests).
func (c *Client) Dropped() int64 { return c.peers.drops.Load() }
