package server

import (
	"errors"
	"sync/atomic"
	"testing"

	"github.com/parley-chat/parley/rendezvous"
)

// TestDiskGuard: with the data directory's file system (faked) under the
// reserve, PUT, ACK and CLAIM are refused with ErrStorageFull and nothing is
// written; once space returns, writes resume.
func TestDiskGuard(t *testing.T) {
	n := startNode(t, Config{})
	alice, _ := newClient(t, n)
	bob, bh := newClient(t, n)
	ctx := t.Context()
	if err := alice.Put(ctx, bh.ID(), []byte("before")); err != nil {
		t.Fatal(err)
	}
	g := n.srv.store.guard
	var free atomic.Uint64
	free.Store(1 << 20)
	g.SetFree(func(string) (uint64, error) { return free.Load(), nil })
	if err := alice.Put(ctx, bh.ID(), []byte("while full")); !errors.Is(err, rendezvous.ErrStorageFull) {
		t.Errorf("Put on a full disk = %v, want ErrStorageFull", err)
	}
	if err := alice.Claim(ctx, "alice", []byte("card")); !errors.Is(err, rendezvous.ErrStorageFull) {
		t.Errorf("Claim on a full disk = %v, want ErrStorageFull", err)
	}
	items, err := bob.Fetch(ctx, 0)
	if err != nil || len(items) != 1 {
		t.Fatalf("Fetch on a full disk = %d items, %v; want the 1 stored before", len(items), err)
	}
	if err := bob.Ack(ctx, ids(items)); !errors.Is(err, rendezvous.ErrStorageFull) {
		t.Errorf("Ack on a full disk = %v, want ErrStorageFull", err)
	}
	free.Store(1 << 40)
	g.Reset()
	if err := alice.Put(ctx, bh.ID(), []byte("after")); err != nil {
		t.Errorf("Put after space returned: %v", err)
	}
	if got := n.srv.mbox.stored(); got.count != 2 {
		t.Errorf("stored = %d, want 2 (before, after)", got.count)
	}
}
