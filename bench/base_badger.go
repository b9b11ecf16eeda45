package main

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// envelopeSize approximates a sealed 1 KiB message on the wire and on disk:
// plaintext + secretbox overhead + ratchet header + Ed25519 signature.
const envelopeSize = 1200

// openBareBadger opens a plain Badger DB with synced writes and no logging:
// the durable-write floor the product's vault and mailbox are compared with.
func openBareBadger(dir string) (*badger.DB, error) {
	opts := badger.DefaultOptions(dir).WithSyncWrites(true).WithLogger(nil)
	db, err := badger.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("open badger: %w", err)
	}
	return db, nil
}

func seqKey(prefix byte, i uint64) []byte {
	k := make([]byte, 9)
	k[0] = prefix
	binary.BigEndian.PutUint64(k[1:], i)
	return k
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// bareSyncedWrite measures one synced Badger transaction of one envelope.
func bareSyncedWrite(dir string, p plan) (latencies, error) {
	db, err := openBareBadger(dir)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	val := randomBytes(envelopeSize)
	var i uint64
	return measureLatency(p, func() error {
		i++
		return db.Update(func(txn *badger.Txn) error { return txn.Set(seqKey('w', i), val) })
	})
}

// bareBatchWrites measures synced Badger transactions of batch envelopes
// each, in envelopes per second: the floor for a group-committing store.
func bareBatchWrites(dir string, p plan, batch int) (rates, error) {
	db, err := openBareBadger(dir)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	val := randomBytes(envelopeSize)
	var i uint64
	return measureRate(p, func(maxOps int, deadline time.Time) (int, error) {
		done := 0
		for done < maxOps && (done == 0 || time.Now().Before(deadline)) {
			n := min(batch, maxOps-done)
			err := db.Update(func(txn *badger.Txn) error {
				for range n {
					i++
					if err := txn.Set(seqKey('b', i), val); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return done, fmt.Errorf("batch write: %w", err)
			}
			done += n
		}
		return done, nil
	})
}
