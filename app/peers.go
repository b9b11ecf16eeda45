package app

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/parley-chat/parley/vault"
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
	// sendQs combine concurrent Sends per friend.
	sendQs map[PeerID]*sendQueue
	// pending are peers whose courier should look at the outbox; true
	// means it must read the whole outbox again.
	pending map[PeerID]bool
	// reload marks couriers that must read the whole outbox again.
	reload map[PeerID]bool
	// queued are items Send committed that couriers have not taken yet.
	queued map[PeerID][]vault.Outbox
	// kick wakes dispatchLoop (capacity 1).
	kick chan struct{}
	// fetch wakes mailboxLoop (capacity 1).
	fetch chan struct{}
	// nodeDown wakes registerLoop when a home node connection drops.
	nodeDown chan struct{}
	// presence wakes presenceLoop (a connection opened or closed, a new
	// friend).
	presence chan struct{}
	// lan records when mDNS last found each peer.
	lan map[PeerID]time.Time
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
		sendQs:   make(map[PeerID]*sendQueue),
		pending:  make(map[PeerID]bool),
		queued:   make(map[PeerID][]vault.Outbox),
		reload:   make(map[PeerID]bool),
		lan:      make(map[PeerID]time.Time),
		kick:     make(chan struct{}, 1),
		fetch:    make(chan struct{}, 1),
		nodeDown: make(chan struct{}, 1),
		presence: make(chan struct{}, 1),
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

// poke asks the courier of p to read the outbox again.
func (s *peerState) poke(p PeerID) {
	s.mu.Lock()
	s.pending[p] = true
	s.mu.Unlock()
	signal(s.kick)
}

// enqueue hands items just committed by Send to the courier of p, sparing
// it a read of the whole outbox.
func (s *peerState) enqueue(p PeerID, items []vault.Outbox) {
	s.mu.Lock()
	s.queued[p] = append(s.queued[p], items...)
	k := s.couriers[p]
	if k == nil {
		s.pending[p] = s.pending[p] || false
	}
	s.mu.Unlock()
	if k != nil {
		signal(k.wake) // straight to a running courier: one hop less
		return
	}
	signal(s.kick) // dispatchLoop starts one
}

// takeQueued returns whether p's courier must reload, and the items queued
// for it since it last asked.
func (s *peerState) takeQueued(p PeerID) (bool, []vault.Outbox) {
	s.mu.Lock()
	defer s.mu.Unlock()
	reload, q := s.reload[p], s.queued[p]
	delete(s.reload, p)
	delete(s.queued, p)
	return reload, q
}

// takePending returns and clears the poked peers, remembering which must
// reload.
func (s *peerState) takePending() map[PeerID]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pending
	for id, reload := range p {
		if reload {
			s.reload[id] = true
		}
	}
	s.pending = make(map[PeerID]bool)
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

// sawOnLAN records that mDNS found p (bounded: old entries are dropped).
func (s *peerState) sawOnLAN(p PeerID, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.lan) >= 1024 {
		for id, at := range s.lan {
			if now.Sub(at) > lanTTL {
				delete(s.lan, id)
			}
		}
	}
	if len(s.lan) < 1024 {
		s.lan[p] = now
	}
}

// onLAN reports whether mDNS found p recently.
func (s *peerState) onLAN(p PeerID, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	at, ok := s.lan[p]
	return ok && now.Sub(at) < lanTTL
}
