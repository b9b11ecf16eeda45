package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/libp2p/go-libp2p/core/network"

	"github.com/parley-chat/parley/p2p"
	"github.com/parley-chat/parley/rendezvous"
	"github.com/parley-chat/parley/vault"
)

// courier delivers the outbox items of one peer, in order: directly over a
// persistent /parley/msg/1 stream when the peer is reachable (many packets
// per frame), otherwise into the peer's home node mailbox. It retries with
// backoff until one of the two succeeds. One goroutine per peer (an actor):
// only it touches its fields.
type courier struct {
	c      *Client
	peer   PeerID
	wake   chan struct{}
	stream *p2p.Stream
	// items is the courier's copy of the peer's outbox, oldest first; ids
	// indexes it. It is refreshed from the vault after a poke and extended
	// by Send without a scan (see peerState.enqueue).
	items  []vault.Outbox
	ids    map[string]bool
	loaded bool
}

// dispatchLoop starts couriers for poked peers and for every peer with
// items in the outbox at start.
func (c *Client) dispatchLoop(ctx context.Context) error {
	if err := c.pokeOutbox(); err != nil {
		c.log.Warn("read outbox", "err", err)
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-c.peers.kick:
		}
		for p := range c.peers.takePending() {
			c.courierFor(ctx, p)
		}
	}
}

// pokeOutbox pokes every peer that has items waiting.
func (c *Client) pokeOutbox() error {
	var items []vault.Outbox
	err := c.v.View(func(tx *vault.Tx) error {
		var err error
		items, err = tx.ListOutbox()
		return err
	})
	for _, it := range items {
		c.peers.poke(PeerID(it.To))
	}
	return err
}

// courierFor wakes the courier of p, starting it on first use.
func (c *Client) courierFor(ctx context.Context, p PeerID) {
	c.peers.mu.Lock()
	k, ok := c.peers.couriers[p]
	if !ok {
		k = &courier{c: c, peer: p, wake: make(chan struct{}, 1), ids: make(map[string]bool)}
		c.peers.couriers[p] = k
	}
	c.peers.mu.Unlock()
	if !ok && !c.spawn(func() error { return k.run(ctx) }) {
		return
	}
	signal(k.wake)
}

func (k *courier) run(ctx context.Context) error {
	defer func() {
		if k.stream != nil {
			_ = k.stream.Close()
		}
	}()
	var backoff time.Duration
	failures := 0
	for {
		progress, err := k.flush(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			failures++
		} else {
			failures = 0
		}
		switch {
		case errors.Is(err, rendezvous.ErrRateLimited):
			// The node paces deposits (20/s per sender by default): retry
			// at its pace rather than backing off further and further.
			backoff, failures = rateLimitRetry, 0
		case err != nil:
			backoff = nextBackoff(backoff, k.c.cfg.Timing.MaxBackoff)
			k.c.log.Debug("delivery failed", "peer", k.peer, "retry_in", backoff, "err", err)
			if failures == reportAfter {
				k.c.hub.emit(ProblemOccurred{ProblemOf(fmt.Errorf("%w: %w", ErrNotDelivered, err))})
			}
		case progress:
			backoff = 0
			continue
		default:
			backoff = 0
		}
		if !k.sleep(ctx, backoff) {
			return nil
		}
	}
}

// sleep waits for a wake-up, or for d if d > 0; false when ctx is done.
func (k *courier) sleep(ctx context.Context, d time.Duration) bool {
	var timer <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-ctx.Done():
		return false
	case <-k.wake:
	case <-timer:
	}
	return true
}

func nextBackoff(d, max time.Duration) time.Duration {
	if d == 0 {
		return 250 * time.Millisecond
	}
	return min(2*d, max)
}

// rateLimitRetry is the pause after a node answered "rate limited".
const rateLimitRetry = 500 * time.Millisecond

// reportAfter is how many delivery failures in a row become a Problem
// (once per streak).
const reportAfter = 5

// flush tries to deliver everything waiting for the peer. It reports
// whether anything left the outbox.
func (k *courier) flush(ctx context.Context) (bool, error) {
	if err := k.refresh(); err != nil || len(k.items) == 0 {
		return false, err
	}
	vc, err := k.contact()
	if err != nil {
		return false, err
	}
	// A copy: forget compacts k.items in place, and items[sent:] must
	// survive that for the mailbox below.
	items := slices.Clone(k.items)
	if vc.KeyChanged {
		if items = holdSealed(items); len(items) == 0 {
			return false, nil // TrustNewKey pokes us
		}
	}
	ci, err := k.card(vc)
	if err != nil {
		return false, err
	}
	sent := 0
	if k.reachable() || k.lookup(ctx, ci) {
		sent, err = k.direct(ctx, items)
		k.forget(items[:sent])
		if err == nil && sent == len(items) {
			return true, nil
		}
		k.c.log.Debug("direct delivery incomplete", "peer", k.peer, "sent", sent, "err", err)
	}
	n, err := k.mailbox(ctx, ci, items[sent:])
	k.forget(items[sent : sent+n])
	return sent+n > 0, err
}

// refresh brings k.items up to date: a full read of the outbox after a
// poke (or at start), otherwise just the items Send queued since.
func (k *courier) refresh() error {
	reload, queued := k.c.peers.takeQueued(k.peer)
	if reload || !k.loaded {
		items, err := k.load()
		if err != nil {
			k.c.peers.poke(k.peer) // try the full read again next time
			return err
		}
		k.items, k.loaded = items, true
		clear(k.ids)
		for _, it := range items {
			k.ids[it.ID] = true
		}
	}
	for _, it := range queued {
		if !k.ids[it.ID] {
			k.ids[it.ID] = true
			k.items = append(k.items, it)
		}
	}
	return nil
}

// forget drops delivered items from k.items.
func (k *courier) forget(done []vault.Outbox) {
	if len(done) == 0 {
		return
	}
	gone := make(map[string]bool, len(done))
	for _, it := range done {
		gone[it.ID] = true
		delete(k.ids, it.ID)
	}
	kept := k.items[:0]
	for _, it := range k.items {
		if !gone[it.ID] {
			kept = append(kept, it)
		}
	}
	clear(k.items[len(kept):])
	k.items = kept
}

// load reads the outbox items for the peer, oldest first.
func (k *courier) load() ([]vault.Outbox, error) {
	var items []vault.Outbox
	err := k.c.v.View(func(tx *vault.Tx) error {
		var err error
		items, err = outboxOf(tx, k.peer)
		return err
	})
	return items, err
}

// outboxOf returns the outbox items addressed to p, oldest first.
func outboxOf(tx *vault.Tx, p PeerID) ([]vault.Outbox, error) {
	all, err := tx.ListOutbox()
	var items []vault.Outbox
	for _, it := range all {
		if it.To == string(p) {
			items = append(items, it)
		}
	}
	return items, err
}

// contact reads the peer's contact. Items for a peer that is no longer a
// contact are dropped.
func (k *courier) contact() (vault.Contact, error) {
	var vc vault.Contact
	err := k.c.v.View(func(tx *vault.Tx) error {
		var err error
		vc, err = getContact(tx, k.peer)
		return err
	})
	if !errors.Is(err, ErrUnknownContact) {
		return vc, err
	}
	err = k.c.v.Update(func(tx *vault.Tx) error {
		for _, it := range k.items {
			if err := tx.DeleteOutbox(it.ID); err != nil {
				return err
			}
		}
		return nil
	})
	k.forget(k.items)
	if err == nil {
		err = ErrUnknownContact
	}
	return vc, err
}

// holdSealed keeps only the handshake items: sealed messages wait while the
// contact's key change is undecided.
func holdSealed(items []vault.Outbox) []vault.Outbox {
	var out []vault.Outbox
	for _, it := range items {
		if it.Kind == kindRequest || it.Kind == kindAccept {
			out = append(out, it)
		}
	}
	return out
}

// card returns the peer's parsed card (cached).
func (k *courier) card(vc vault.Contact) (cardInfo, error) {
	if ci, ok := k.c.peers.card(k.peer); ok {
		return ci, nil
	}
	ci, err := parseCard(vc.Card)
	if err != nil {
		return ci, fmt.Errorf("contact card: %w", err)
	}
	k.c.peers.setCard(ci)
	return ci, nil
}

// reachable: try the direct path if we are connected or presence says the
// peer is online (its addresses are then in the peerstore).
func (k *courier) reachable() bool {
	p := k.peer.libp2p()
	return k.c.host.Network().Connectedness(p) == network.Connected || k.c.peers.isOnline(k.peer)
}
