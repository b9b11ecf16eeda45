package vault

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// queueUpdates blocks the commit leader, starts n concurrent Updates with
// fns from mk, waits until all are queued behind the leader (so they form one
// batch), releases the leader and returns each Update's error (or panic).
func queueUpdates(t *testing.T, v *Vault, n int, mk func(i int) func(*Tx) error) []any {
	t.Helper()
	release, started := make(chan struct{}), make(chan struct{})
	var g sync.WaitGroup
	g.Go(func() {
		v.Update(func(*Tx) error {
			select {
			case <-started:
			default:
				close(started)
			}
			<-release
			return nil
		})
	})
	<-started
	out := make([]any, n)
	for i := range n {
		g.Go(func() {
			defer func() {
				if p := recover(); p != nil {
					out[i] = p
				}
			}()
			out[i] = v.Update(mk(i))
		})
	}
	deadline := time.Now().Add(10 * time.Second)
	for queued := 0; queued < n; {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d updates queued", queued, n)
		}
		time.Sleep(time.Millisecond) // waiting for goroutines to reach the queue; nothing to signal on
		v.cmu.Lock()
		queued = len(v.commit.queue)
		v.cmu.Unlock()
	}
	close(release)
	g.Wait()
	return out
}

// TestGroupCommitIsolation checks that in a batch each caller gets its own
// outcome: failing and panicking functions leave no writes, and the others
// commit.
func TestGroupCommitIsolation(t *testing.T) {
	v, _ := newVault(t)
	errOdd := errors.New("odd")
	const n = 20
	out := queueUpdates(t, v, n, func(i int) func(*Tx) error {
		return func(tx *Tx) error {
			if err := tx.PutSetting(fmt.Sprint(i), []byte("x")); err != nil {
				return err
			}
			switch {
			case i == 7:
				panic("seven")
			case i%2 == 1:
				return fmt.Errorf("fn %d: %w", i, errOdd)
			}
			return nil
		}
	})
	view(t, v, func(tx *Tx) error {
		for i := range n {
			_, err := tx.GetSetting(fmt.Sprint(i))
			stored := err == nil
			switch {
			case i == 7:
				if out[i] != "seven" || stored {
					t.Errorf("panicking fn: Update panicked with %v, stored %v; want panic \"seven\", not stored", out[i], stored)
				}
			case i%2 == 1:
				if e, _ := out[i].(error); !errors.Is(e, errOdd) || stored {
					t.Errorf("fn %d: Update = %v, stored %v; want errOdd, not stored", i, out[i], stored)
				}
			default:
				if out[i] != nil || !stored {
					t.Errorf("fn %d: Update = %v, stored %v; want nil, stored", i, out[i], stored)
				}
			}
		}
		return nil
	})
}

// TestGroupCommitSeesEarlierWrites: functions batched together behave as if
// run one after another.
func TestGroupCommitSeesEarlierWrites(t *testing.T) {
	v, _ := newVault(t)
	update(t, v, func(tx *Tx) error { return tx.PutSetting("n", []byte{0}) })
	out := queueUpdates(t, v, 50, func(int) func(*Tx) error {
		return func(tx *Tx) error {
			b, err := tx.GetSetting("n")
			if err != nil {
				return err
			}
			return tx.PutSetting("n", []byte{b[0] + 1})
		}
	})
	for i, e := range out {
		if e != nil {
			t.Fatalf("Update %d = %v", i, e)
		}
	}
	view(t, v, func(tx *Tx) error {
		b, err := tx.GetSetting("n")
		if err == nil && b[0] != 50 {
			t.Errorf("counter = %d after 50 batched increments, want 50", b[0])
		}
		return err
	})
}
