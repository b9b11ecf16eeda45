package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"google.golang.org/protobuf/proto"

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
	items := k.items
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
		all, err := tx.ListOutbox()
		for _, it := range all {
			if it.To == string(k.peer) {
				items = append(items, it)
			}
		}
		return err
	})
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

// lookup asks the peer's home nodes whether it is online (for peers the
// presence loop does not watch yet: a friend request, an accept) and
// records its addresses; true if online.
func (k *courier) lookup(ctx context.Context, ci cardInfo) bool {
	nodes, _ := parseNodes(ci.Nodes)
	for _, ai := range nodes {
		cctx, cancel := context.WithTimeout(ctx, k.c.cfg.Timing.Call)
		res, err := k.c.nodes.client(ai).Lookup(cctx, []peer.ID{k.peer.libp2p()})
		cancel()
		if err != nil || len(res) != 1 || !res[0].Online {
			continue
		}
		k.c.host.Peerstore().AddAddrs(res[0].ID, res[0].Addrs, 2*k.c.cfg.Timing.Presence+time.Minute)
		return true
	}
	return false
}

// direct sends items over the persistent stream in frames of up to
// maxBatchPackets packets and commits the verdicts; it returns how many
// leading items were settled.
func (k *courier) direct(ctx context.Context, items []vault.Outbox) (int, error) {
	if k.stream == nil {
		k.stream = p2p.NewStream(k.c.host, k.peer.libp2p(), p2p.ProtoMsg, maxAckBytes)
	}
	k.c.clearDialBackoff(k.peer.libp2p())
	done := 0
	for done < len(items) {
		n := batchSize(items[done:])
		verdicts, err := k.roundTrip(ctx, items[done:done+n])
		if err != nil {
			return done, err
		}
		settled, err := k.settle(items[done:done+n], verdicts)
		done += settled
		if err != nil || settled < n {
			return done, err
		}
	}
	return done, nil
}

// batchSize returns how many leading items fit in one frame.
func batchSize(items []vault.Outbox) int {
	size := 0
	for i, it := range items {
		size += len(it.Payload) + 8
		if i == maxBatchPackets || (i > 0 && size > maxBatchBytes-64<<10) {
			return i
		}
	}
	return len(items)
}

func (k *courier) roundTrip(ctx context.Context, items []vault.Outbox) ([]Verdict, error) {
	b := &Batch{Packets: make([][]byte, len(items))}
	for i, it := range items {
		b.Packets[i] = it.Payload
	}
	req, err := proto.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("marshal batch: %w", err)
	}
	cctx, cancel := context.WithTimeout(ctx, k.c.cfg.Timing.Call)
	defer cancel()
	resp, err := k.stream.RoundTrip(cctx, req)
	if err != nil {
		return nil, err
	}
	var ack BatchAck
	if err := proto.Unmarshal(resp, &ack); err != nil || len(ack.Verdicts) != len(items) {
		return nil, fmt.Errorf("bad batch ack (%d verdicts for %d packets): %v", len(ack.Verdicts), len(items), err)
	}
	return ack.Verdicts, nil
}

// settle removes the items the peer committed (status delivered) in one
// transaction. It stops at the first item not committed, so that order is
// kept; it returns how many leading items are settled. The Delivered
// events go out before that commit: the friend's vault holds the messages
// already, and if we crash first, the items are sent again and the friend
// drops them as duplicates.
func (k *courier) settle(items []vault.Outbox, verdicts []Verdict) (int, error) {
	n := 0
	for n < len(items) && verdicts[n] == Verdict_VERDICT_OK {
		n++
	}
	for _, it := range items[:n] {
		if it.Kind == kindText {
			k.c.hub.emit(MessageStatusChanged{ID: MsgID(it.ID), To: PeerID(it.To), Status: StatusDelivered})
		}
	}
	if _, err := k.complete(items[:n], StatusDelivered); err != nil {
		return 0, err
	}
	if n < len(items) {
		return n, fmt.Errorf("peer answered %s", verdicts[n])
	}
	return n, nil
}

// complete deletes items from the outbox and moves their messages to
// status, in one transaction; it returns the events to emit.
func (k *courier) complete(items []vault.Outbox, status MessageStatus) ([]Event, error) {
	if len(items) == 0 {
		return nil, nil
	}
	var evs []Event
	err := k.c.v.Update(func(tx *vault.Tx) error {
		evs = evs[:0]
		for _, it := range items {
			if err := tx.DeleteOutbox(it.ID); err != nil {
				return err
			}
			if it.Kind != kindText {
				continue
			}
			m, err := tx.GetMessage(it.To, it.ID)
			if err != nil || m.Status == string(StatusDelivered) {
				continue // a receipt may have overtaken the mailbox path
			}
			if err := tx.SetMessageStatus(it.To, it.ID, string(status)); err != nil {
				return err
			}
			evs = append(evs, MessageStatusChanged{ID: MsgID(it.ID), To: PeerID(it.To), Status: status})
		}
		return nil
	})
	return evs, err
}

// mailbox deposits items into the peer's home node mailbox, in order,
// committing in groups. It returns how many leading items were deposited.
func (k *courier) mailbox(ctx context.Context, ci cardInfo, items []vault.Outbox) (int, error) {
	if len(items) == 0 {
		return 0, nil
	}
	nodes, err := parseNodes(ci.Nodes)
	if err != nil || len(nodes) == 0 {
		return 0, fmt.Errorf("peer unreachable and has no usable home node: %w", err)
	}
	done, committed := 0, 0
	var putErr error
	for _, it := range items {
		if putErr = k.put(ctx, nodes, it.Payload); putErr != nil {
			break
		}
		done++
		if done-committed == 64 {
			if err := k.commitMailbox(items[committed:done]); err != nil {
				return committed, err
			}
			committed = done
		}
	}
	if err := k.commitMailbox(items[committed:done]); err != nil {
		return committed, err
	}
	return done, putErr
}

func (k *courier) commitMailbox(items []vault.Outbox) error {
	evs, err := k.complete(items, StatusMailbox)
	k.c.emitAll(evs)
	return err
}

// put deposits one packet on the first node that takes it.
func (k *courier) put(ctx context.Context, nodes []peer.AddrInfo, payload []byte) error {
	var errs []error
	for _, ai := range nodes {
		k.c.clearDialBackoff(ai.ID)
		cctx, cancel := context.WithTimeout(ctx, k.c.cfg.Timing.Call)
		err := k.c.nodes.client(ai).Put(cctx, k.peer.libp2p(), payload)
		cancel()
		if err == nil {
			return nil
		}
		errs = append(errs, err)
	}
	return fmt.Errorf("mailbox put: %w", errors.Join(errs...))
}
