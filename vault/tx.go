package vault

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
	"google.golang.org/protobuf/proto"
)

// maxConflictRetries bounds how often Update re-runs fn after a conflict
// with a concurrent transaction.
const maxConflictRetries = 16

// Tx is a read-only (View) or read-write (Update) transaction. All typed
// accessors are methods on Tx so that writes that belong together commit
// together. A Tx is valid only inside the function it was passed to and must
// not be used from several goroutines.
type Tx struct {
	txn *badger.Txn
	s   *sealer
}

// Update runs fn in a read-write transaction and commits it if fn returns
// nil; with the default options the commit is synced to disk before Update
// returns. The error fn returns is returned unchanged. Concurrent Updates
// are group-committed: functions queued while a commit is in flight run
// together in the next transaction, sharing one sync (see commit.go). So fn
// may see the writes of Updates that were queued before it, and fn may run
// more than once (when a function of the same batch fails, or on a
// conflict), possibly on another caller's goroutine: it must have no side
// effects outside tx other than recording results, and must not call Update
// itself (that would wait for its own batch). A panic in fn is re-raised in
// the caller. Safe for concurrent use.
func (v *Vault) Update(fn func(*Tx) error) error {
	if v.closed.Load() {
		return fmt.Errorf("vault update: %w", ErrClosed)
	}
	if err := v.guard.Check(); err != nil {
		return fmt.Errorf("vault update: %w", err)
	}
	return v.update(fn)
}

// View runs fn in a read-only transaction that sees a consistent snapshot.
// The error fn returns is returned unchanged. Safe for concurrent use.
func (v *Vault) View(fn func(*Tx) error) error {
	if v.closed.Load() {
		return fmt.Errorf("vault view: %w", ErrClosed)
	}
	return v.db.View(func(txn *badger.Txn) error {
		return fn(&Tx{txn: txn, s: v.sealer})
	})
}

// get returns the opened value stored under key, or ErrNotFound.
func (tx *Tx) get(key []byte) ([]byte, error) {
	item, err := tx.txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read record: %w", err)
	}
	return tx.openItem(item)
}

// openItem authenticates and decrypts the value of item.
func (tx *Tx) openItem(item *badger.Item) ([]byte, error) {
	var plain []byte
	err := item.Value(func(val []byte) error {
		var err error
		plain, err = tx.s.open(item.Key(), val)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read record value: %w", err)
	}
	return plain, nil
}

// getProto reads and decodes the record under key into m.
func (tx *Tx) getProto(key []byte, m proto.Message) error {
	b, err := tx.get(key)
	if err != nil {
		return err
	}
	return unmarshal(b, m)
}

func unmarshal(b []byte, m proto.Message) error {
	if err := proto.Unmarshal(b, m); err != nil {
		// The value authenticated, so this is a schema bug, not tampering.
		return fmt.Errorf("decode %T: %w", m, err)
	}
	return nil
}

// put seals plain and stores it under key.
func (tx *Tx) put(key, plain []byte) error {
	return tx.set(key, tx.s.seal(key, plain))
}

// putProto encodes m deterministically and stores it under key, sealed in
// the buffer it was encoded into.
func (tx *Tx) putProto(key []byte, m proto.Message) error {
	b, err := encode(m)
	if err != nil {
		return err
	}
	return tx.set(key, tx.s.sealInPlace(key, b))
}

// putString seals text and stores it under key (one copy of the text, which
// is sealed where it lands).
func (tx *Tx) putString(key []byte, text string) error {
	return tx.set(key, tx.s.sealInPlace(key, append(sealBuffer(len(text)), text...)))
}

func (tx *Tx) set(key, sealed []byte) error {
	if err := tx.txn.Set(key, sealed); err != nil {
		return fmt.Errorf("write record: %w", err)
	}
	return nil
}

// encode returns the deterministic encoding of m appended to a sealBuffer:
// the record's plaintext is b[sealHead:], ready for sealInPlace.
func encode(m proto.Message) ([]byte, error) {
	o := proto.MarshalOptions{Deterministic: true}
	buf := sealBuffer(o.Size(m))
	o.UseCachedSize = true // m is this call's own and unchanged since Size
	b, err := o.MarshalAppend(buf, m)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", m, err)
	}
	return b, nil
}

// putIndexed stores rec under key and the index entry ik, whose value is
// key (messages and outbox items are found by ID through such an entry).
func (tx *Tx) putIndexed(key, ik []byte, rec proto.Message) error {
	if err := tx.putProto(key, rec); err != nil {
		return err
	}
	return tx.put(ik, key)
}

// dropMoved deletes the record the index entry ik points at if that is not
// key: the record is about to be stored again under another key. It returns
// the key the index pointed at (nil if there was none), so the caller can
// drop what belongs to that record too.
func (tx *Tx) dropMoved(ik, key []byte) ([]byte, error) {
	old, err := tx.get(ik)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	case !bytes.Equal(old, key):
		return old, tx.del(old)
	}
	return old, nil
}

// del deletes key; deleting a missing key is not an error.
func (tx *Tx) del(key []byte) error {
	if err := tx.txn.Delete(key); err != nil {
		return fmt.Errorf("delete record: %w", err)
	}
	return nil
}

// has reports whether key exists (its value authenticated).
func (tx *Tx) has(key []byte) (bool, error) {
	_, err := tx.get(key)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// scan calls fn with every record under prefix in key order. With keysOnly
// the value is nil and not read.
func (tx *Tx) scan(prefix []byte, keysOnly bool, fn func(key, plain []byte) error) error {
	opts := badger.DefaultIteratorOptions
	opts.Prefix = prefix
	opts.PrefetchValues = !keysOnly
	it := tx.txn.NewIterator(opts)
	defer it.Close()
	for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
		item := it.Item()
		var plain []byte
		if !keysOnly {
			var err error
			if plain, err = tx.openItem(item); err != nil {
				return err
			}
		}
		if err := fn(item.KeyCopy(nil), plain); err != nil {
			return err
		}
	}
	return nil
}
