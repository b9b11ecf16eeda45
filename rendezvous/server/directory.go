package server

import (
	"context"
	"errors"
	"fmt"
	"github.com/parley-chat/parley/internal/diskguard"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/libp2p/go-libp2p/core/peer"
	"google.golang.org/protobuf/proto"

	"github.com/parley-chat/parley/rendezvous"
)

// directory maps @usernames to contact cards: first come, first served; the
// owner (the transport peer that claimed it) may update its card. Cards are
// opaque to the node: the client verifies the card's signature and pins the
// key, so a lying node is caught by the safety number.
type directory struct {
	db       *badger.DB
	maxNames int
	now      func() time.Time
	metrics  *metrics
	guard    *diskguard.Guard
	// claims rate-limits CLAIMs per IP (per peer when the IP is unknown),
	// so fresh peer IDs cannot fill the disk with names; ipOf is the
	// mailbox's address lookup.
	claims *limiters
	ipOf   func(peer.ID) string

	mu sync.Mutex // serialises claims, so two peers cannot both win a name
}

func (d *directory) handle(_ context.Context, from peer.ID, req []byte) ([]byte, error) {
	var m rendezvous.DirectoryRequest
	if err := proto.Unmarshal(req, &m); err != nil {
		return nil, fmt.Errorf("directory request: %w", err)
	}
	var resp *rendezvous.DirectoryResponse
	var err error
	switch op := m.GetOp().(type) {
	case *rendezvous.DirectoryRequest_Claim:
		resp, err = d.claim(from, op.Claim)
	case *rendezvous.DirectoryRequest_Resolve:
		resp, err = d.resolve(op.Resolve)
	default:
		resp = &rendezvous.DirectoryResponse{Status: rendezvous.Status_STATUS_BAD_REQUEST}
	}
	if err != nil {
		resp = &rendezvous.DirectoryResponse{Status: rendezvous.Status_STATUS_INTERNAL}
	}
	d.metrics.status("directory", resp.GetStatus())
	return proto.Marshal(resp)
}

func dirStatus(s rendezvous.Status) *rendezvous.DirectoryResponse {
	return &rendezvous.DirectoryResponse{Status: s}
}

func (d *directory) claim(from peer.ID, m *rendezvous.Claim) (*rendezvous.DirectoryResponse, error) {
	name, ok := NormalizeName(m.GetUsername())
	if !ok || len(m.GetCard()) == 0 {
		return dirStatus(rendezvous.Status_STATUS_BAD_REQUEST), nil
	}
	if len(m.GetCard()) > rendezvous.MaxCardBytes {
		return dirStatus(rendezvous.Status_STATUS_TOO_LARGE), nil
	}
	key := d.ipOf(from)
	if key == "" {
		key = string(from)
	}
	if !d.claims.allow(key, d.now()) {
		return dirStatus(rendezvous.Status_STATUS_RATE_LIMITED), nil
	}
	if err := d.guard.Check(); err != nil {
		return dirStatus(rendezvous.Status_STATUS_STORAGE_FULL), nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var st rendezvous.Status
	err := d.db.Update(func(txn *badger.Txn) error {
		var err error
		st, err = d.claimTxn(txn, from, name, m.GetCard())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim %q: %w", name, err)
	}
	return dirStatus(st), nil
}

func (d *directory) claimTxn(txn *badger.Txn, from peer.ID, name string, card []byte) (rendezvous.Status, error) {
	old, err := getEntry(txn, name)
	switch {
	case errors.Is(err, badger.ErrKeyNotFound):
		n, err := countPrefix(txn, ownerPrefix(from))
		if err != nil {
			return 0, err
		}
		if n >= d.maxNames {
			return rendezvous.Status_STATUS_QUOTA, nil
		}
	case err != nil:
		return 0, err
	case string(old.GetOwner()) != string(from):
		return rendezvous.Status_STATUS_NAME_TAKEN, nil
	}
	entry := &rendezvous.DirectoryEntry{Owner: []byte(from), Card: card, UpdatedUnixNano: d.now().UnixNano()}
	val, err := proto.Marshal(entry)
	if err != nil {
		return 0, err
	}
	if err := txn.Set(nameKey(name), val); err != nil {
		return 0, err
	}
	return rendezvous.Status_STATUS_OK, txn.Set(append(ownerPrefix(from), name...), nil)
}

func (d *directory) resolve(m *rendezvous.Resolve) (*rendezvous.DirectoryResponse, error) {
	name, ok := NormalizeName(m.GetUsername())
	if !ok {
		return dirStatus(rendezvous.Status_STATUS_BAD_REQUEST), nil
	}
	var entry *rendezvous.DirectoryEntry
	err := d.db.View(func(txn *badger.Txn) error {
		var err error
		entry, err = getEntry(txn, name)
		return err
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return dirStatus(rendezvous.Status_STATUS_NOT_FOUND), nil
	}
	if err != nil {
		return nil, fmt.Errorf("resolve %q: %w", name, err)
	}
	return &rendezvous.DirectoryResponse{Card: entry.GetCard(), Owner: entry.GetOwner()}, nil
}

func getEntry(txn *badger.Txn, name string) (*rendezvous.DirectoryEntry, error) {
	item, err := txn.Get(nameKey(name))
	if err != nil {
		return nil, err
	}
	var e rendezvous.DirectoryEntry
	err = item.Value(func(v []byte) error { return proto.Unmarshal(v, &e) })
	return &e, err
}

func countPrefix(txn *badger.Txn, prefix []byte) (int, error) {
	opts := badger.DefaultIteratorOptions
	opts.PrefetchValues = false
	opts.Prefix = prefix
	it := txn.NewIterator(opts)
	defer it.Close()
	n := 0
	for it.Rewind(); it.Valid(); it.Next() {
		n++
	}
	return n, nil
}

func nameKey(name string) []byte { return append([]byte("d/"), name...) }

func ownerPrefix(p peer.ID) []byte {
	k := append([]byte("o/"), byte(len(p)))
	return append(k, p...)
}

// NormalizeName returns the canonical form of a username: lower case, an
// optional leading "@" removed, 3–32 characters of [a-z0-9_.-]. ok is false
// if name has any other character or length.
func NormalizeName(name string) (string, bool) {
	if len(name) > 0 && name[0] == '@' {
		name = name[1:]
	}
	if len(name) < 3 || len(name) > 32 {
		return "", false
	}
	b := []byte(name)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
			b[i] = c
		}
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-') {
			return "", false
		}
	}
	return string(b), true
}
