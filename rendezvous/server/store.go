package server

import (
	"context"
	"errors"
	"fmt"
	"github.com/parley-chat/parley/internal/diskguard"

	"github.com/dgraph-io/badger/v4"
)

// errClosed is returned to requests that arrive after Close.
var errClosed = errors.New("node closed")

// maxBatch bounds the operations committed together.
const maxBatch = 1024

// op is one write for the writer goroutine: a set of key to val, or the
// deletion of dels.
type op struct {
	key, val []byte
	dels     [][]byte
	// sizes receives, for each of dels, the size of the value removed (0
	// if the key was absent).
	sizes []int64
	done  chan error
}

// store owns the one writer goroutine of the DB. Every mailbox write goes
// through it, so concurrent PUTs share one synced commit (group commit) and
// a delete's size is read and applied by a single goroutine.
type store struct {
	db      *badger.DB
	guard   *diskguard.Guard
	metrics *metrics
	ops     chan *op // unbuffered: a send succeeds only if the writer takes it
	quit    chan struct{}
	done    chan struct{} // closed when the writer has exited
}

func newStore(db *badger.DB, m *metrics, g *diskguard.Guard) *store {
	return &store{db: db, guard: g, metrics: m, ops: make(chan *op), quit: make(chan struct{}), done: make(chan struct{})}
}

// submit queues o and waits until it is durable (or failed). ctx bounds
// only the wait for the writer to take o: once taken, the outcome is always
// awaited (one commit), so that quota accounting matches what is on disk.
func (s *store) submit(ctx context.Context, o *op) error {
	o.done = make(chan error, 1)
	select {
	case s.ops <- o:
	case <-s.done:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	return <-o.done
}

// run is the writer: it takes one op, drains whatever else is waiting,
// commits them in one synced transaction and answers each.
func (s *store) run() {
	defer close(s.done)
	for {
		var first *op
		select {
		case first = <-s.ops:
		case <-s.quit:
			return
		}
		batch := []*op{first}
	drain:
		for len(batch) < maxBatch {
			select {
			case o := <-s.ops:
				batch = append(batch, o)
			default:
				break drain
			}
		}
		err := s.commit(batch)
		s.metrics.batch(len(batch))
		for _, o := range batch {
			o.done <- err
		}
	}
}

func (s *store) close() { close(s.quit) }

// commit applies batch in as few transactions as Badger's size limit allows
// (one, normally); with SyncWrites each commit is one fsync.
func (s *store) commit(batch []*op) error {
	if err := s.guard.Check(); err != nil {
		return err
	}
	txn := s.db.NewTransaction(true)
	defer func() { txn.Discard() }()
	for _, o := range batch {
		err := apply(txn, o)
		if errors.Is(err, badger.ErrTxnTooBig) {
			if err := txn.Commit(); err != nil {
				return fmt.Errorf("commit batch: %w", err)
			}
			txn = s.db.NewTransaction(true)
			err = apply(txn, o)
		}
		if err != nil {
			return fmt.Errorf("apply batch: %w", err)
		}
	}
	if err := txn.Commit(); err != nil {
		return fmt.Errorf("commit batch: %w", err)
	}
	return nil
}

func apply(txn *badger.Txn, o *op) error {
	if o.val != nil {
		return txn.Set(o.key, o.val)
	}
	if o.sizes == nil { // a retry after ErrTxnTooBig keeps sizes already found
		o.sizes = make([]int64, len(o.dels))
	}
	for i, k := range o.dels {
		item, err := txn.Get(k)
		if errors.Is(err, badger.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		o.sizes[i] = item.ValueSize()
		if err := txn.Delete(k); err != nil {
			return err
		}
	}
	return nil
}
