package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/libp2p/go-libp2p/core/peer"
	"google.golang.org/protobuf/proto"

	"github.com/parley-chat/parley/rendezvous"
)

// maxPeerIDLen bounds the inbox IDs a PUT may name (Ed25519 IDs are 38
// bytes, hashed ones 34); keys store the length in one byte.
const maxPeerIDLen = 64

// usage is what one inbox holds.
type usage struct {
	count int
	bytes int64
}

// mailbox stores opaque sealed envelopes per inbox. PUT by anyone within
// size, rate and quota limits; FETCH and ACK act only on the inbox of the
// transport-authenticated caller (the request names no inbox, so a peer
// cannot even address another's).
type mailbox struct {
	cfg     Config
	db      *badger.DB
	store   *store
	metrics *metrics
	logger  *slog.Logger
	senders *limiters
	ips     *limiters // nil when the per-IP limit is off
	// loaded is closed when load has finished; loadErr is its outcome.
	loaded  chan struct{}
	loadErr error
	// ipOf returns the IP a peer connects from ("" if unknown); set by
	// Attach (and by tests), read by every PUT.
	ipOf atomic.Pointer[func(peer.ID) string]

	mu      sync.Mutex // guards the fields below
	inboxes map[peer.ID]usage
	// heads is, per inbox that has fetched, the lowest sequence number
	// that may still be live. ACKed items leave tombstones at the front of
	// an inbox until compaction; fetch seeks past them instead of
	// scanning them all again (which made draining a big inbox quadratic).
	heads   map[peer.ID]uint64
	total   usage
	lastSeq uint64
}

// forgetIdle drops rate-limit buckets that have refilled.
func (mb *mailbox) forgetIdle(now time.Time) {
	mb.senders.forget(now)
	mb.ips.forget(now)
}

func newMailbox(cfg Config, db *badger.DB, st *store, m *metrics, logger *slog.Logger) *mailbox {
	mb := &mailbox{
		cfg: cfg, db: db, store: st, metrics: m, logger: logger,
		senders: newLimiters(cfg.PerSenderRate, cfg.PerSenderBurst),
		inboxes: make(map[peer.ID]usage),
		heads:   make(map[peer.ID]uint64),
		loaded:  make(chan struct{}),
	}
	if cfg.PerIPRate > 0 {
		mb.ips = newLimiters(cfg.PerIPRate, 10*cfg.PerSenderBurst)
	}
	return mb
}

// load rebuilds per-inbox usage from the keys (values are not read) and
// then opens the mailbox: requests wait for it. It runs in the background
// so that the node accepts connections (and serves presence and the
// directory) at once; a scan of 100,000 stored envelopes takes ~0.4 s.
func (mb *mailbox) load(ctx context.Context) {
	defer close(mb.loaded)
	mb.mu.Lock()
	defer mb.mu.Unlock()
	err := mb.db.View(func(txn *badger.Txn) error {
		return eachKey(txn, []byte("m/"), func(inbox peer.ID, seq uint64, size int64) bool {
			u := mb.inboxes[inbox]
			u.count++
			u.bytes += size
			mb.inboxes[inbox] = u
			mb.total.count++
			mb.total.bytes += size
			mb.lastSeq = max(mb.lastSeq, seq)
			return ctx.Err() == nil
		})
	})
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		mb.loadErr = fmt.Errorf("load mailbox usage: %w", err)
		mb.logger.Error("load mailbox usage", "err", err)
	}
}

// ready waits until load is done and returns its error.
func (mb *mailbox) ready(ctx context.Context) error {
	select {
	case <-mb.loaded:
		return mb.loadErr
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (mb *mailbox) handle(ctx context.Context, from peer.ID, req []byte) ([]byte, error) {
	if err := mb.ready(ctx); err != nil {
		return proto.Marshal(&rendezvous.MailboxResponse{Status: rendezvous.Status_STATUS_INTERNAL})
	}
	var m rendezvous.MailboxRequest
	if err := proto.Unmarshal(req, &m); err != nil {
		return nil, fmt.Errorf("mailbox request: %w", err)
	}
	var resp *rendezvous.MailboxResponse
	switch op := m.GetOp().(type) {
	case *rendezvous.MailboxRequest_Put:
		resp = &rendezvous.MailboxResponse{Status: mb.put(ctx, from, op.Put)}
		mb.metrics.op("put")
	case *rendezvous.MailboxRequest_Fetch:
		resp = mb.fetch(from, op.Fetch)
		mb.metrics.op("fetch")
	case *rendezvous.MailboxRequest_Ack:
		resp = &rendezvous.MailboxResponse{Status: mb.ack(ctx, from, op.Ack)}
		mb.metrics.op("ack")
	default:
		resp = &rendezvous.MailboxResponse{Status: rendezvous.Status_STATUS_BAD_REQUEST}
	}
	mb.metrics.status("mailbox", resp.GetStatus())
	return proto.Marshal(resp)
}

func (mb *mailbox) remoteIP(p peer.ID) string {
	if f := mb.ipOf.Load(); f != nil {
		return (*f)(p)
	}
	return ""
}

func (mb *mailbox) put(ctx context.Context, from peer.ID, m *rendezvous.Put) rendezvous.Status {
	to, err := peer.IDFromBytes(m.GetTo())
	env := m.GetEnvelope()
	switch {
	case err != nil || len(env) == 0 || len(to) > maxPeerIDLen:
		return rendezvous.Status_STATUS_BAD_REQUEST
	case len(env) > mb.cfg.MaxEnvelopeBytes:
		return rendezvous.Status_STATUS_TOO_LARGE
	}
	now := mb.cfg.Now()
	if !mb.senders.allow(string(from), now) {
		return rendezvous.Status_STATUS_RATE_LIMITED
	}
	if ip := mb.remoteIP(from); ip != "" && !mb.ips.allow(ip, now) {
		return rendezvous.Status_STATUS_RATE_LIMITED
	}
	seq, ok := mb.reserve(to, int64(len(env)), now)
	if !ok {
		return rendezvous.Status_STATUS_QUOTA
	}
	if err := mb.store.submit(ctx, &op{key: itemKey(to, seq), val: env}); err != nil {
		mb.release(to, usage{1, int64(len(env))})
		if errors.Is(err, errStorageFull) {
			return rendezvous.Status_STATUS_STORAGE_FULL // the guard logs the transition
		}
		mb.logger.Warn("store envelope", "to", to, "size", len(env), "err", err)
		return rendezvous.Status_STATUS_INTERNAL
	}
	mb.logger.Debug("envelope stored", "to", to, "size", len(env))
	return rendezvous.Status_STATUS_OK
}

// reserve books quota for one envelope of size bytes in to's inbox and
// returns its sequence number, strictly increasing and close to now in
// Unix nanoseconds.
func (mb *mailbox) reserve(to peer.ID, size int64, now time.Time) (uint64, bool) {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	u := mb.inboxes[to]
	if u.count+1 > mb.cfg.MaxInboxCount || u.bytes+size > mb.cfg.MaxInboxBytes {
		return 0, false
	}
	mb.inboxes[to] = usage{u.count + 1, u.bytes + size}
	mb.total.count++
	mb.total.bytes += size
	mb.lastSeq = max(mb.lastSeq+1, uint64(now.UnixNano()))
	return mb.lastSeq, true
}

// release returns quota of removed (or never stored) envelopes.
func (mb *mailbox) release(inbox peer.ID, d usage) {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	u := mb.inboxes[inbox]
	u.count -= d.count
	u.bytes -= d.bytes
	if u.count <= 0 {
		delete(mb.inboxes, inbox)
		delete(mb.heads, inbox) // bounded: only inboxes holding envelopes have a head
	} else {
		mb.inboxes[inbox] = u
	}
	mb.total.count -= d.count
	mb.total.bytes -= d.bytes
}

func (mb *mailbox) head(inbox peer.ID) uint64 {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	return mb.heads[inbox]
}

// setHead records that everything in inbox below seq is gone (acked or
// expired), if inbox still holds envelopes.
func (mb *mailbox) setHead(inbox peer.ID, seq uint64) {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	if _, ok := mb.inboxes[inbox]; ok && seq > mb.heads[inbox] {
		mb.heads[inbox] = seq
	}
}

func (mb *mailbox) stored() usage {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	return mb.total
}
