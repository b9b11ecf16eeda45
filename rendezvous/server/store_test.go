package server

import (
	"sync"
	"testing"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/parley-chat/parley/rendezvous"
)

// TestGroupCommit: 64 concurrent PUTs share synced commits (fewer commits
// than PUTs), and every one of them is answered only once durable.
func TestGroupCommit(t *testing.T) {
	reg := prometheus.NewRegistry()
	n := startNode(t, Config{Registerer: reg, PerSenderRate: 1e9, PerSenderBurst: 1 << 20, PerIPRate: -1})
	_, bh := newClient(t, n)
	const puts = 64
	var wg sync.WaitGroup
	for i := range puts {
		wg.Go(func() {
			from := peer.ID(rune('a' + i))
			if st := n.srv.mbox.put(t.Context(), from, &rendezvous.Put{To: []byte(bh.ID()), Envelope: []byte("x")}); st != rendezvous.Status_STATUS_OK {
				t.Errorf("put %d: %v", i, st)
			}
		})
	}
	wg.Wait()
	commits, ops := histogram(t, reg, "parley_node_commit_batch_ops")
	if ops != puts {
		t.Errorf("ops committed = %v, want %d", ops, puts)
	}
	if commits >= puts {
		t.Errorf("%v commits for %d concurrent PUTs: no group commit", commits, puts)
	}
	t.Logf("%d PUTs in %v synced commits", puts, commits)
}

// histogram returns the sample count and sum of the named histogram in reg.
func histogram(t *testing.T, reg *prometheus.Registry, name string) (count, sum float64) {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			h := mf.GetMetric()[0].GetHistogram()
			return float64(h.GetSampleCount()), h.GetSampleSum()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0, 0
}
