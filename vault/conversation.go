package vault

import (
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// DeleteBatch is how many records one transaction should delete at most.
// Badger refuses a transaction of more writes than fit in 15% of its
// memtable (with the vault's 16 MiB memtable, ≈ 26,000 small writes:
// ErrTxnTooBig), and a group-committed transaction carries other callers'
// writes too; so whole-conversation deletes go in batches of this size.
const DeleteBatch = 8192

// DeleteConversation deletes up to max records of the conversation conv,
// oldest messages first, each with its ID index entry and the record of a
// long text (h/, hi/ and hb/ keys under conv: three deletes per message),
// and reports whether none is left. Other conversations are untouched:
// conv is length-prefixed in both key layouts. Call it in successive
// transactions until it reports true; with max ≤ 0 it only reports whether
// the conversation is empty, and a max of 1 or 2 still deletes one message.
func (tx *Tx) DeleteConversation(conv string, max int) (bool, error) {
	done, err := tx.deleteConversation(conv, max)
	if err != nil {
		return false, fmt.Errorf("delete conversation: %w", err)
	}
	return done, nil
}

func (tx *Tx) deleteConversation(conv string, max int) (bool, error) {
	msgs, err := convPrefix(conv)
	if err != nil {
		return false, err
	}
	c, _ := lenPrefixed("conversation", conv) // valid: convPrefix checked it
	idx := key(pfxMessageIdx, c)
	// A message, its index entry and its text record go together (three
	// deletes; a tombstone where the text is inline), so an unfinished
	// delete leaves whole, older-first gaps; index entries without a
	// message (none are written so) go last.
	per := max / 3
	if max > 0 && per == 0 {
		per = 1 // progress with a tiny budget: one message is three deletes
	}
	keys, more := tx.keysUnder(msgs, per)
	for _, mk := range keys {
		id := mk[len(msgs)+8:] // after the time64 of the message key
		for _, k := range [][]byte{mk, bodyKey(mk), key(string(idx), id)} {
			if err := tx.del(k); err != nil {
				return false, err
			}
		}
	}
	if more {
		return false, nil
	}
	orphans, more := tx.keysUnder(idx, max-3*len(keys))
	for _, k := range orphans {
		if err := tx.del(k); err != nil {
			return false, err
		}
	}
	return !more, nil
}

// keysUnder returns up to max keys under prefix in key order (values are not
// read), and whether more keys than that exist. The keys are collected
// before the caller deletes them: the iterator is closed by then.
func (tx *Tx) keysUnder(prefix []byte, max int) ([][]byte, bool) {
	it := tx.txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	var keys [][]byte
	for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
		if len(keys) >= max {
			return keys, true
		}
		keys = append(keys, it.Item().KeyCopy(nil))
	}
	return keys, false
}
