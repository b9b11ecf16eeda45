package vault

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// Group commit. With SyncWrites, Badger v4 batches concurrent commits into
// one write but still syncs the write-ahead log once per transaction, so N
// concurrent Updates cost N syncs. The vault therefore batches Updates
// itself: callers queue their functions; the first caller becomes the leader
// and runs everything queued in ONE Badger transaction (one sync), then hands
// leadership to the first caller that queued meanwhile. A lone caller runs
// at once: there is no batching delay.

// maxBatch bounds how many Update functions share one transaction.
const maxBatch = 128

// errFnFailed aborts a combined transaction when one function fails.
var errFnFailed = errors.New("update function failed")

// call is one queued Update.
type call struct {
	fn  func(*Tx) error
	res chan result // buffered(1): the outcome, or leadership
}

type result struct {
	err      error
	panicked any  // fn panicked with this value (re-panicked in its caller)
	lead     bool // the receiver becomes the leader
}

// committer holds the Update queue. mu guards queue and busy.
type committer struct {
	queue []*call
	busy  bool // a leader is running
}

// update queues fn and waits for its outcome, leading batches as needed.
func (v *Vault) update(fn func(*Tx) error) error {
	c := &call{fn: fn, res: make(chan result, 1)}
	v.cmu.Lock()
	v.commit.queue = append(v.commit.queue, c)
	lead := !v.commit.busy
	v.commit.busy = true
	v.cmu.Unlock()
	if lead {
		v.leadBatches()
	}
	for {
		r := <-c.res
		switch {
		case r.lead:
			v.leadBatches()
		case r.panicked != nil:
			panic(r.panicked)
		default:
			return r.err
		}
	}
}

// leadBatches commits the head of the queue (which includes the leader's own
// call), then passes leadership on, or clears busy if the queue is empty.
func (v *Vault) leadBatches() {
	v.cmu.Lock()
	n := min(len(v.commit.queue), maxBatch)
	batch := v.commit.queue[:n:n]
	v.commit.queue = v.commit.queue[n:]
	v.cmu.Unlock()

	v.runBatch(batch)

	v.cmu.Lock()
	defer v.cmu.Unlock()
	if len(v.commit.queue) == 0 {
		v.commit.busy = false
		v.commit.queue = nil // drop the backing array
		return
	}
	v.commit.queue[0].res <- result{lead: true}
}

// runBatch commits all of batch in one transaction. If any function fails
// (or the transaction is too big), it runs each one in a transaction of its
// own, so every caller gets exactly the outcome of its own function.
func (v *Vault) runBatch(batch []*call) {
	if len(batch) > 1 {
		err := v.txnWithRetry(func(tx *Tx) error {
			for _, c := range batch {
				if r := runFn(c, tx); r.err != nil || r.panicked != nil {
					return errFnFailed
				}
			}
			return nil
		})
		if err == nil {
			for _, c := range batch {
				c.res <- result{}
			}
			return
		}
		// Fall through: each call, failed or not, runs alone.
	}
	for _, c := range batch {
		var r result
		r.err = v.txnWithRetry(func(tx *Tx) error {
			r = runFn(c, tx)
			if r.panicked != nil {
				return errFnFailed
			}
			return r.err
		})
		if r.panicked != nil {
			r.err = nil
		}
		c.res <- r
	}
}

// runFn calls c.fn, turning a panic into a result.
func runFn(c *call, tx *Tx) (r result) {
	defer func() {
		if p := recover(); p != nil {
			r = result{panicked: p}
		}
	}()
	return result{err: c.fn(tx)}
}

// txnWithRetry runs fn in a Badger read-write transaction and commits it,
// retrying on a conflict with a concurrent writer (only possible with
// transactions that bypass the queue).
func (v *Vault) txnWithRetry(fn func(*Tx) error) error {
	for attempt := 0; ; attempt++ {
		err := v.db.Update(func(txn *badger.Txn) error {
			return fn(&Tx{txn: txn, s: v.sealer})
		})
		if errors.Is(err, badger.ErrConflict) && attempt < maxConflictRetries {
			continue
		}
		if errors.Is(err, badger.ErrConflict) || errors.Is(err, badger.ErrDBClosed) {
			return fmt.Errorf("vault update: %w", err)
		}
		return err
	}
}
