package vault

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// pruneBatch bounds how many seen entries one transaction prunes, keeping
// it well under Badger's transaction size limit.
const pruneBatch = 1000

// seenKeys returns x/<len16 ns><id> and its expiry index key
// xe/<time64 expires><len16 ns><id>.
func seenKeys(ns, id string, expires time.Time) (k, ek []byte, err error) {
	n, err := lenPrefixed("seen namespace", ns)
	if err != nil {
		return nil, nil, err
	}
	i, err := nonEmpty("seen ID", id)
	if err != nil {
		return nil, nil, err
	}
	return key(pfxSeen, n, i), key(pfxSeenExp, timeKey(expires), n, i), nil
}

// MarkSeen records id in namespace ns (replay and dedupe protection) until
// expires; PruneSeen forgets it after that. Marking again moves the expiry.
func (tx *Tx) MarkSeen(ns, id string, expires time.Time) error {
	if err := tx.markSeen(ns, id, expires); err != nil {
		return fmt.Errorf("mark seen: %w", err)
	}
	return nil
}

// MarkFirstSeen records id in namespace ns until expires, for an id that
// IsSeen reported unseen earlier in the same transaction (for the receive
// path: one write per packet). It writes one key, which Badger itself
// forgets at expires (its TTL, by the wall clock, in whole seconds; the
// next compaction drops it): no expiry index, and no PruneSeen needed.
// MarkSeen's entries, which PruneSeen prunes, are for callers that move an
// expiry.
func (tx *Tx) MarkFirstSeen(ns, id string, expires time.Time) error {
	k, _, err := seenKeys(ns, id, expires)
	var b []byte
	if err == nil {
		b, err = encode(&SeenRecord{Expires: nanos(expires)})
	}
	if err == nil {
		e := badger.NewEntry(k, tx.s.sealInPlace(k, b))
		if expires.Unix() > 0 {
			e.ExpiresAt = uint64(expires.Unix())
		}
		err = tx.txn.SetEntry(e)
	}
	if err != nil {
		return fmt.Errorf("mark seen: %w", err)
	}
	return nil
}

func (tx *Tx) markSeen(ns, id string, expires time.Time) error {
	k, ek, err := seenKeys(ns, id, expires)
	if err != nil {
		return err
	}
	var old SeenRecord
	err = tx.getProto(k, &old)
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return err
	default:
		_, oek, _ := seenKeys(ns, id, fromNanos(old.Expires))
		if !bytes.Equal(oek, ek) {
			if err := tx.del(oek); err != nil {
				return err
			}
		}
	}
	if err := tx.putProto(k, &SeenRecord{Expires: nanos(expires)}); err != nil {
		return err
	}
	return tx.put(ek, nil)
}

// IsSeen reports whether id was marked in namespace ns and not pruned yet.
// An expired but unpruned entry still counts as seen (the safe answer for
// replay protection).
func (tx *Tx) IsSeen(ns, id string) (bool, error) {
	k, _, err := seenKeys(ns, id, time.Time{})
	var ok bool
	if err == nil {
		ok, err = tx.has(k)
	}
	if err != nil {
		return false, fmt.Errorf("is seen: %w", err)
	}
	return ok, nil
}

// PruneSeen deletes up to 1000 seen entries whose expiry is at or before
// now, walking the expiry index in time order, and returns how many it
// deleted. Vault.PruneSeen repeats it until everything expired is gone.
func (tx *Tx) PruneSeen(now time.Time) (int, error) {
	limit := timeKey(now)
	var expired [][]byte
	stop := errors.New("stop")
	err := tx.scan([]byte(pfxSeenExp), true, func(ek, _ []byte) error {
		if len(ek) < len(pfxSeenExp)+8 || bytes.Compare(ek[len(pfxSeenExp):len(pfxSeenExp)+8], limit) > 0 ||
			len(expired) == pruneBatch {
			return stop
		}
		expired = append(expired, ek)
		return nil
	})
	if err != nil && !errors.Is(err, stop) {
		return 0, fmt.Errorf("prune seen: %w", err)
	}
	for _, ek := range expired {
		k := key(pfxSeen, ek[len(pfxSeenExp)+8:])
		if err := tx.del(k); err != nil {
			return 0, fmt.Errorf("prune seen: %w", err)
		}
		if err := tx.del(ek); err != nil {
			return 0, fmt.Errorf("prune seen: %w", err)
		}
	}
	return len(expired), nil
}

// PruneSeen deletes every seen entry that expired at or before now, in
// transactions of at most 1000 entries, and returns how many it deleted.
func (v *Vault) PruneSeen(now time.Time) (int, error) {
	total := 0
	for {
		var n int
		err := v.Update(func(tx *Tx) error {
			var err error
			n, err = tx.PruneSeen(now)
			return err
		})
		total += n
		if err != nil || n < pruneBatch {
			return total, err
		}
	}
}
