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
		k = &courier{c: c, peer: p, wake: make(chan struct{}, 1)}
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
	for {
		progress, err := k.flush(ctx)
		if ctx.Err() != nil {
			return nil
		}
		switch {
		case err != nil:
			backoff = nextBackoff(backoff, k.c.cfg.Timing.MaxBackoff)
			k.c.log.Debug("delivery failed", "peer", k.peer, "retry_in", backoff, "err", err)
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

// errHeld: items wait for the user (a key change) and not for the network.
var errHeld = errors.New("delivery held until the new key is trusted")

// flush tries to deliver everything waiting for the peer. It reports
// whether anything left the outbox.
func (k *courier) flush(ctx context.Context) (bool, error) {
	items, vc, err := k.load()
	if err != nil || len(items) == 0 {
		return false, err
	}
	if vc.KeyChanged {
		items = holdSealed(items)
		if len(items) == 0 {
			return false, nil // TrustNewKey pokes us
		}
	}
	ci, err := k.card(vc)
	if err != nil {
		return false, err
	}
	if k.reachable() {
		n, err := k.direct(ctx, items)
		if err == nil && n == len(items) {
			return true, nil
		}
		k.c.log.Debug("direct delivery incomplete", "peer", k.peer, "sent", n, "err", err)
		items = items[n:]
	}
	return k.mailbox(ctx, ci, items)
}

// load returns the outbox items for the peer, oldest first, and its contact.
// Items for a peer that is no longer a contact are dropped.
func (k *courier) load() ([]vault.Outbox, vault.Contact, error) {
	var items []vault.Outbox
	var vc vault.Contact
	err := k.c.v.View(func(tx *vault.Tx) error {
		all, err := tx.ListOutbox()
		if err != nil {
			return err
		}
		for _, it := range all {
			if it.To == string(k.peer) {
				items = append(items, it)
			}
		}
		if len(items) == 0 {
			return nil
		}
		vc, err = getContact(tx, k.peer)
		return err
	})
	if errors.Is(err, ErrUnknownContact) {
		return nil, vc, k.c.v.Update(func(tx *vault.Tx) error {
			for _, it := range items {
				if err := tx.DeleteOutbox(it.ID); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return items, vc, err
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

// direct sends items over the persistent stream in frames of up to
// maxBatchPackets packets and commits the verdicts; it returns how many
// leading items were settled.
func (k *courier) direct(ctx context.Context, items []vault.Outbox) (int, error) {
	if k.stream == nil {
		k.stream = p2p.NewStream(k.c.host, k.peer.libp2p(), p2p.ProtoMsg, maxAckBytes)
	}
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
// kept; it returns how many leading items are settled.
func (k *courier) settle(items []vault.Outbox, verdicts []Verdict) (int, error) {
	n := 0
	for n < len(items) && verdicts[n] == Verdict_VERDICT_OK {
		n++
	}
	evs, err := k.complete(items[:n], StatusDelivered)
	if err != nil {
		return 0, err
	}
	k.c.emitAll(evs)
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
// committing in groups. It reports whether anything was deposited.
func (k *courier) mailbox(ctx context.Context, ci cardInfo, items []vault.Outbox) (bool, error) {
	nodes, err := parseNodes(ci.Nodes)
	if err != nil || len(nodes) == 0 {
		return false, fmt.Errorf("peer unreachable and has no usable home node: %w", err)
	}
	var done []vault.Outbox
	var putErr error
	for _, it := range items {
		if putErr = k.put(ctx, nodes, it.Payload); putErr != nil {
			break
		}
		done = append(done, it)
		if len(done) == 64 {
			if err := k.commitMailbox(done); err != nil {
				return true, err
			}
			done = done[:0]
		}
	}
	if err := k.commitMailbox(done); err != nil {
		return true, err
	}
	return len(done) > 0 || putErr == nil, putErr
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
