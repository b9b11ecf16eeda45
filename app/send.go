package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/parley-chat/parley/vault"
)

// Outbox kinds.
const (
	kindRequest = "request"
	kindAccept  = "accept"
	kindText    = "text"
	kindReceipt = "receipt"
)

// newID returns a fresh message or outbox ID made at now: 16 bytes, hex
// encoded, of which the first 6 are the Unix time in milliseconds
// (big-endian) and the other 10 random (80 bits: no collision in practice,
// even within one millisecond).
//
// The time prefix is for the vault: its index entries are keyed by ID
// (oi/<id>, hi/<conv><id>), and IDs that grow with time make those keys
// arrive in order, so Badger's compactions rewrite fewer older tables
// (a random ID lands in the middle of every older table). Nobody learns
// anything from it who did not know it already: an ID travels only inside
// the end-to-end envelope, beside Content.sent_at, and on the friend's
// own noise-encrypted stream.
func newID(now time.Time) string {
	var b [16]byte
	ms := uint64(now.UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	rand.Read(b[6:])
	return hex.EncodeToString(b[:])
}

// validID reports whether id looks like one of ours (peers choose it).
func validID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil
}

// Send queues text for to and returns its ID at once. In one vault
// transaction it advances the ratchet, stores the sealed envelope in the
// outbox and the message in the history, so a crash can neither reuse a key
// nor lose the message. Concurrent Sends to the same friend are committed
// together (group commit). Delivery happens in the background and is
// reported by MessageStatusChanged events.
func (c *Client) Send(ctx context.Context, to PeerID, text string) (MsgID, error) {
	if err := c.enter(); err != nil {
		return "", err
	}
	defer c.leave()
	clean, err := checkText(text)
	if err != nil {
		return "", err
	}
	r := &sendReq{id: newID(c.cfg.Now()), text: clean, done: make(chan error, 1)}
	if err := c.sendQueue(to).submit(r, func(batch []*sendReq) error { return c.commitSends(to, batch) }); err != nil {
		return "", fmt.Errorf("send: %w", err)
	}
	return MsgID(r.id), ctx.Err()
}

// checkText bounds and sanitises the text of an outgoing message, once.
func checkText(text string) (string, error) {
	if len(text) > MaxTextBytes {
		return "", ErrTooLong
	}
	clean := SanitizeText(text)
	if clean == "" {
		return "", ErrEmpty
	}
	return clean, nil
}

// SendBatch queues several texts for to in ONE vault transaction (one
// sync) and returns their IDs in order. It is Send for bulk senders (bots,
// imports, benchmarks); either every text is queued or none is.
func (c *Client) SendBatch(ctx context.Context, to PeerID, texts []string) ([]MsgID, error) {
	if err := c.enter(); err != nil {
		return nil, err
	}
	defer c.leave()
	reqs := make([]*sendReq, len(texts))
	ids := make([]MsgID, len(texts))
	for i, text := range texts {
		clean, err := checkText(text)
		if err != nil {
			return nil, err
		}
		reqs[i] = &sendReq{id: newID(c.cfg.Now()), text: clean, done: make(chan error, 1)}
		ids[i] = MsgID(reqs[i].id)
	}
	if err := c.commitSends(to, reqs); err != nil {
		return nil, fmt.Errorf("send batch: %w", err)
	}
	return ids, ctx.Err()
}

// sendReq is one Send waiting for its commit.
type sendReq struct {
	id, text string
	done     chan error
}

// sendQueue combines concurrent Sends to one friend: the first caller
// commits everything queued so far in one transaction, then whatever
// queued meanwhile (gathering the callers it just released, see gather),
// and so on; the others wait for their result.
type sendQueue struct {
	mu      sync.Mutex // guards the fields below
	pending []*sendReq
	busy    bool
	last    int       // callers in the batch committed last
	lastEnd time.Time // when it was committed
	window  time.Duration
}

// gatherWindow bounds how long a leader waits for the callers of the batch
// just committed to queue again (see gather).
const gatherWindow = 150 * time.Microsecond

func (c *Client) sendQueue(to PeerID) *sendQueue {
	c.peers.mu.Lock()
	defer c.peers.mu.Unlock()
	q, ok := c.peers.sendQs[to]
	if !ok {
		q = &sendQueue{window: gatherWindow}
		c.peers.sendQs[to] = q
	}
	return q
}

func (q *sendQueue) submit(r *sendReq, commit func([]*sendReq) error) error {
	q.mu.Lock()
	q.pending = append(q.pending, r)
	if q.busy {
		q.mu.Unlock()
		return <-r.done
	}
	q.busy = true
	for len(q.pending) > 0 {
		q.gather()
		batch := q.pending
		q.pending = nil
		q.mu.Unlock()
		err := commit(batch)
		for _, b := range batch {
			b.done <- err
		}
		q.mu.Lock()
		q.last, q.lastEnd = len(batch), time.Now()
	}
	q.busy = false
	q.mu.Unlock()
	return <-r.done
}

// gather lets a burst keep its batches whole. Callers that loop on Send
// come back a few microseconds after their batch committed; cutting the
// next batch at once would split them into ever alternating halves (the
// callers still queued, then the ones just released), each half paying a
// whole synced commit. So while the batch just committed was larger than
// what is queued, and it committed less than q.window (gatherWindow) ago,
// the leader yields to let its callers queue again. A lone sender never
// waits: its last batch held one caller, itself. Called with q.mu held.
func (q *sendQueue) gather() {
	if q.last <= 1 {
		return
	}
	until := q.lastEnd.Add(q.window)
	for len(q.pending) < q.last && time.Now().Before(until) {
		q.mu.Unlock()
		runtime.Gosched()
		q.mu.Lock()
	}
}

// commitSends seals and stores a batch of messages to one friend in one
// transaction, then hands the outbox items to the courier.
func (c *Client) commitSends(to PeerID, batch []*sendReq) error {
	me := string(c.id.peerID())
	var items []vault.Outbox
	var ss *sessions
	err := c.v.Update(func(tx *vault.Tx) error {
		items = items[:0]
		vc, err := sendable(tx, to)
		if err != nil {
			return err
		}
		ss = c.id.sessions(c.live)
		plains := make([][]byte, len(batch))
		sent := make([]time.Time, len(batch))
		for i, r := range batch {
			sent[i] = c.cfg.Now()
			plain, err := proto.Marshal(&Content{Id: r.id, SentAt: sent[i].UnixNano(), Kind: Kind_KIND_TEXT, Text: r.text})
			if err != nil {
				return fmt.Errorf("marshal content: %w", err)
			}
			plains[i] = plain
		}
		envs, err := ss.sealAll(tx, to, plains)
		if err != nil {
			return err
		}
		for i, r := range batch {
			// The item's time is the message's: the courier finds the message
			// record by it when the item is delivered (vault.UpdateStatusAt).
			it := c.envelopeItem(to, r.id, kindText, envs[i], r.id, sent[i])
			if err := tx.AddOutbox(it); err != nil { // r.id is new (newID)
				return err
			}
			items = append(items, it)
			msg := vault.Message{ID: r.id, Conv: string(to), From: me, Outgoing: true, Text: r.text, SentAt: sent[i], Status: string(StatusQueued)}
			if err := tx.AddMessage(msg); err != nil {
				return err
			}
		}
		last := len(batch) - 1
		vc.LastMessage, vc.LastAt = preview(batch[last].text), sent[last]
		if err := ss.flush(tx); err != nil {
			return err
		}
		return tx.PutContact(vc)
	})
	if err == nil {
		ss.commit()
		c.peers.enqueue(to, items)
	}
	return err
}

// sendable returns the contact if messages may be sealed for it now.
func sendable(tx *vault.Tx, to PeerID) (vault.Contact, error) {
	vc, err := getContact(tx, to)
	if err != nil {
		return vc, err
	}
	switch {
	case vc.KeyChanged || vc.State == string(StateKeyChanged):
		return vc, ErrKeyChanged
	case vc.State != string(StateFriend):
		return vc, ErrNotFriend
	}
	return vc, nil
}

// sealTx seals ct in the session with to (advanced in ss; the caller
// flushes ss in the same transaction) and queues the envelope under outbox
// ID oid.
func (c *Client) sealTx(tx *vault.Tx, ss *sessions, to PeerID, ct *Content, oid, kind string) (vault.Outbox, error) {
	plain, err := proto.Marshal(ct)
	if err != nil {
		return vault.Outbox{}, fmt.Errorf("marshal content: %w", err)
	}
	env, err := ss.seal(tx, to, plain)
	if err != nil {
		return vault.Outbox{}, err
	}
	it := c.envelopeItem(to, oid, kind, env, ct.Id, c.cfg.Now())
	return it, tx.PutOutbox(it)
}

// envelopeItem is the outbox item oid that carries env to to. A text
// message's packet also names its message ID (so that a second copy can be
// acknowledged without opening it).
func (c *Client) envelopeItem(to PeerID, oid, kind string, env []byte, msgID string, at time.Time) vault.Outbox {
	pkt := &Packet{Body: &Packet_Envelope{Envelope: env}}
	if kind == kindText {
		pkt.MessageId = msgID
	}
	return vault.Outbox{ID: oid, To: string(to), Kind: kind, Payload: mustMarshal(pkt), CreatedAt: at}
}

// queueTx stores one outbox item.
func (c *Client) queueTx(tx *vault.Tx, to PeerID, kind, oid string, payload []byte) error {
	if kind == kindRequest || kind == kindAccept {
		payload = mustMarshal(&Packet{Body: packetBody(kind, payload)})
	}
	return tx.PutOutbox(vault.Outbox{ID: oid, To: string(to), Kind: kind, Payload: payload, CreatedAt: c.cfg.Now()})
}

func packetBody(kind string, b []byte) isPacket_Body {
	if kind == kindRequest {
		return &Packet_Request{Request: b}
	}
	return &Packet_Accept{Accept: b}
}

func mustMarshal(m proto.Message) []byte {
	b, err := proto.Marshal(m)
	if err != nil {
		panic(fmt.Sprintf("marshal %T: %v", m, err)) // only fails on invalid UTF-8 we never build
	}
	return b
}

// resealTx seals the text messages still in the outbox for to again with
// the current session (after a key change the old envelopes are useless).
func (c *Client) resealTx(tx *vault.Tx, to PeerID) (err error) {
	items, err := outboxOf(tx, to)
	if err != nil {
		return err
	}
	ss := c.id.sessions(c.live) // not committed to the cache: rare path
	defer func() { err = errors.Join(err, ss.flush(tx)) }()
	for _, it := range items {
		if it.Kind != kindText && it.Kind != kindReceipt {
			continue
		}
		if err := tx.DeleteOutbox(it.ID); err != nil {
			return err
		}
		if it.Kind != kindText {
			continue
		}
		m, err := tx.GetMessage(string(to), it.ID)
		if err != nil {
			continue
		}
		ct := &Content{Id: m.ID, SentAt: m.SentAt.UnixNano(), Kind: Kind_KIND_TEXT, Text: m.Text}
		if _, err := c.sealTx(tx, ss, to, ct, it.ID, kindText); err != nil {
			return err
		}
	}
	return nil
}

// History returns up to limit messages of the conversation with, older
// than before (newest first); an empty before means the newest page.
func (c *Client) History(ctx context.Context, with PeerID, before MsgID, limit int) ([]Message, error) {
	if err := c.enter(); err != nil {
		return nil, err
	}
	defer c.leave()
	if limit <= 0 {
		limit = 50
	}
	var list []vault.Message
	err := c.v.View(func(tx *vault.Tx) error {
		var err error
		list, err = tx.History(string(with), string(before), limit)
		return err
	})
	if errors.Is(err, vault.ErrNotFound) && before != "" {
		err = ErrUnknownMessage // the cursor names no message of this conversation
	}
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	out := make([]Message, len(list))
	for i, m := range list {
		out[i] = messageOf(m)
	}
	return out, ctx.Err()
}

func messageOf(m vault.Message) Message {
	return Message{
		ID: MsgID(m.ID), Conv: PeerID(m.Conv), From: PeerID(m.From), Outgoing: m.Outgoing,
		Text: m.Text, SentAt: m.SentAt, Status: MessageStatus(m.Status),
	}
}

// Status returns the connectivity summary.
func (c *Client) Status() Status {
	if c.enter() != nil {
		return Status{}
	}
	defer c.leave()
	var n int
	_ = c.v.View(func(tx *vault.Tx) error {
		var err error
		n, err = tx.CountOutbox()
		return err
	})
	p, _ := c.profile()
	return Status{NodeReachable: c.peers.reachable(), Outbox: n, Embedded: c.nodes.isEmbedded(), Nodes: p.Nodes}
}

// Subscribe returns the current state and the events that follow it. The
// subscriber is registered before the snapshot is taken, so no event is
// lost between the two; an event may describe a change the snapshot already
// shows. The channel is closed when ctx is done or the client closes; if the
// subscriber falls DefaultQueue events behind, it receives Resync and the
// channel is closed: subscribe again.
func (c *Client) Subscribe(ctx context.Context) (Snapshot, <-chan Event) {
	return c.SubscribeQueue(ctx, DefaultQueue)
}

// SubscribeQueue is Subscribe with a queue of n events (at least 1), for
// consumers that must not miss events in bursts (the JSON client).
func (c *Client) SubscribeQueue(ctx context.Context, n int) (Snapshot, <-chan Event) {
	ch := c.hub.subscribe(ctx, max(n, 1))
	return Snapshot{Me: c.Me(), Contacts: c.Contacts(), Requests: c.Requests(), Status: c.Status()}, ch
}

// unixTime converts sender-chosen Unix nanoseconds, rejecting nonsense.
func unixTime(n int64) time.Time {
	if n <= 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}
