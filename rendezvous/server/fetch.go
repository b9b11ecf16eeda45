package server

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/parley-chat/parley/rendezvous"
)

// fetch returns the oldest unexpired envelopes of from's own inbox, only
// those after the cursor m.After if it is set. A cursor is a position in
// the node's sequence (item IDs are sequence numbers), so another inbox's
// ID only says where to start in from's own.
func (mb *mailbox) fetch(from peer.ID, m *rendezvous.Fetch) *rendezvous.MailboxResponse {
	limit := int(m.GetMax())
	if limit <= 0 || limit > rendezvous.MaxFetchItems {
		limit = rendezvous.MaxFetchItems
	}
	oldest := uint64(mb.cfg.Now().Add(-mb.cfg.TTL).UnixNano())
	start := max(mb.head(from), oldest)
	// The head (the first live item) may be advanced only by a read from
	// it: items before a cursor may still be live.
	fromHead := true
	if m.GetAfter() != "" {
		after, ok := parseItemID(m.GetAfter())
		switch {
		case !ok:
			return &rendezvous.MailboxResponse{Status: rendezvous.Status_STATUS_BAD_REQUEST}
		case after == math.MaxUint64:
			return &rendezvous.MailboxResponse{} // nothing can come after it
		case after >= start:
			start, fromHead = after+1, false
		}
	}
	items, err := mb.read(from, start, limit)
	if err != nil {
		mb.logger.Warn("fetch", "inbox", from, "err", err)
		return &rendezvous.MailboxResponse{Status: rendezvous.Status_STATUS_INTERNAL}
	}
	if fromHead && len(items) > 0 {
		mb.setHead(from, uint64(items[0].GetAtUnixNano()))
	}
	return &rendezvous.MailboxResponse{Items: items}
}

// read returns up to limit items of inbox from sequence number start on,
// within MaxFetchBytes (but at least one).
func (mb *mailbox) read(inbox peer.ID, start uint64, limit int) ([]*rendezvous.MailItem, error) {
	var items []*rendezvous.MailItem
	err := mb.db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Prefix = inboxPrefix(inbox)
		opts.PrefetchSize = min(limit, 100)
		it := txn.NewIterator(opts)
		defer it.Close()
		bytes := 0
		for it.Seek(itemKey(inbox, start)); it.Valid() && len(items) < limit; it.Next() {
			if len(items) > 0 && bytes+int(it.Item().ValueSize()) > rendezvous.MaxFetchBytes {
				break
			}
			seq := binary.BigEndian.Uint64(it.Item().Key()[len(opts.Prefix):])
			env, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			bytes += len(env)
			items = append(items, &rendezvous.MailItem{Id: itemID(seq), Envelope: env, AtUnixNano: int64(seq)})
		}
		return nil
	})
	return items, err
}

// ack deletes the named items from from's own inbox. IDs of items that are
// not there (already acked, expired, or another inbox's) are ignored.
func (mb *mailbox) ack(ctx context.Context, from peer.ID, m *rendezvous.Ack) rendezvous.Status {
	ids := m.GetIds()
	if len(ids) > rendezvous.MaxAckIDs {
		return rendezvous.Status_STATUS_TOO_LARGE
	}
	if len(ids) == 0 {
		return rendezvous.Status_STATUS_OK
	}
	o := &op{dels: make([][]byte, len(ids))}
	for i, id := range ids {
		seq, ok := parseItemID(id)
		if !ok {
			return rendezvous.Status_STATUS_BAD_REQUEST
		}
		o.dels[i] = itemKey(from, seq)
	}
	if err := mb.store.submit(ctx, o); err != nil {
		if errors.Is(err, errStorageFull) {
			return rendezvous.Status_STATUS_STORAGE_FULL
		}
		mb.logger.Warn("ack", "inbox", from, "err", err)
		return rendezvous.Status_STATUS_INTERNAL
	}
	mb.releaseSizes(from, o.sizes)
	return rendezvous.Status_STATUS_OK
}

func (mb *mailbox) releaseSizes(inbox peer.ID, sizes []int64) {
	var d usage
	for _, s := range sizes {
		if s > 0 {
			d.count++
			d.bytes += s
		}
	}
	if d.count > 0 {
		mb.release(inbox, d)
		mb.metrics.acked(d.count)
	}
}

// expire deletes every envelope older than the TTL, in batches.
func (mb *mailbox) expire(ctx context.Context, now time.Time) error {
	oldest := uint64(now.Add(-mb.cfg.TTL).UnixNano())
	type victim struct {
		inbox peer.ID
		key   []byte
	}
	var victims []victim
	err := mb.db.View(func(txn *badger.Txn) error {
		return eachKey(txn, []byte("m/"), func(inbox peer.ID, seq uint64, _ int64) bool {
			if seq < oldest {
				victims = append(victims, victim{inbox, itemKey(inbox, seq)})
			}
			return len(victims) < 100_000 && ctx.Err() == nil
		})
	})
	if err != nil {
		return fmt.Errorf("scan for expired envelopes: %w", err)
	}
	for len(victims) > 0 {
		n := min(len(victims), rendezvous.MaxAckIDs)
		o := &op{dels: make([][]byte, n)}
		for i := range n {
			o.dels[i] = victims[i].key
		}
		if err := mb.store.submit(ctx, o); err != nil {
			return fmt.Errorf("delete expired envelopes: %w", err)
		}
		for i := range n {
			mb.releaseSizes(victims[i].inbox, o.sizes[i:i+1])
		}
		victims = victims[n:]
	}
	return nil
}

// eachKey calls fn for each mailbox item under prefix, without reading values.
func eachKey(txn *badger.Txn, prefix []byte, fn func(inbox peer.ID, seq uint64, size int64) bool) error {
	opts := badger.DefaultIteratorOptions
	opts.PrefetchValues = false
	opts.Prefix = prefix
	it := txn.NewIterator(opts)
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		inbox, seq, ok := parseItemKey(it.Item().Key())
		if !ok {
			continue
		}
		if !fn(inbox, seq, it.Item().ValueSize()) {
			break
		}
	}
	return nil
}

func inboxPrefix(p peer.ID) []byte {
	k := make([]byte, 0, 3+len(p)+8)
	k = append(k, 'm', '/', byte(len(p)))
	return append(k, p...)
}

func itemKey(inbox peer.ID, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(inboxPrefix(inbox), seq)
}

func parseItemKey(k []byte) (peer.ID, uint64, bool) {
	if len(k) < 3 || k[0] != 'm' || k[1] != '/' || len(k) != 3+int(k[2])+8 {
		return "", 0, false
	}
	n := int(k[2])
	return peer.ID(k[3 : 3+n]), binary.BigEndian.Uint64(k[3+n:]), true
}

func itemID(seq uint64) string { return hex.EncodeToString(binary.BigEndian.AppendUint64(nil, seq)) }

func parseItemID(id string) (uint64, bool) {
	b, err := hex.DecodeString(id)
	if err != nil || len(b) != 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(b), true
}
