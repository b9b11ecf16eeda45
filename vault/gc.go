package vault

import (
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Value log garbage collection. Badger never reclaims the space of
// overwritten or deleted values in its value log by itself; the vault runs
// its GC every Options.GCInterval on a goroutine it owns (stopped by Close).
const (
	defaultGCInterval = 10 * time.Minute
	gcDiscardRatio    = 0.5 // rewrite a log file when half of it is garbage
	maxGCRounds       = 16  // bound one collection's work
)

// startGC starts the GC loop unless it is disabled or pointless.
func (v *Vault) startGC() {
	interval := v.opts.GCInterval
	if interval == 0 {
		interval = defaultGCInterval
	}
	if interval < 0 || v.opts.InMemory {
		return
	}
	v.gcStop = make(chan struct{})
	v.gcDone.Go(func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-v.gcStop:
				return
			case <-t.C:
				if err := v.CollectGarbage(); err != nil {
					v.log.Warn("value log gc failed", "err", err)
				}
			}
		}
	})
}

// stopGC stops the GC loop and waits for it.
func (v *Vault) stopGC() {
	if v.gcStop != nil {
		close(v.gcStop)
	}
	v.gcDone.Wait()
}

// CollectGarbage rewrites value log files that are at least half garbage,
// until none is left (bounded). The vault runs it periodically; call it
// directly after deleting a lot. Safe for concurrent use.
func (v *Vault) CollectGarbage() error {
	if v.closed.Load() {
		return fmt.Errorf("vault gc: %w", ErrClosed)
	}
	if v.opts.InMemory {
		return nil
	}
	for range maxGCRounds {
		err := v.db.RunValueLogGC(gcDiscardRatio)
		switch {
		case errors.Is(err, badger.ErrNoRewrite), errors.Is(err, badger.ErrRejected):
			return nil // nothing (more) to reclaim, or a GC is already running
		case err != nil:
			return fmt.Errorf("vault gc: %w", err)
		}
	}
	return nil
}
