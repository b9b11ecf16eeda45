package server

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/dgraph-io/badger/v4"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/parley-chat/parley/rendezvous"
)

const benchEnvelope = 1 << 10 // a typical sealed text message, padded

// unlimited turns off rate limits and quotas so a benchmark measures the
// store, not the limits.
func unlimited() Config {
	return Config{PerSenderRate: 1e12, PerSenderBurst: 1 << 30, PerIPRate: -1,
		MaxInboxCount: 1 << 30, MaxInboxBytes: 1 << 40}
}

// BenchmarkMailboxPut: 100 concurrent senders, each its own libp2p host and
// persistent mailbox stream, deposit 1 KiB envelopes; every PUT is answered
// after a synced group commit. The badger-* sub-benchmarks write the same
// sizes straight into a synced Badger in the same run, for comparison.
func BenchmarkMailboxPut(b *testing.B) {
	b.Run("node-100-senders", benchNodePut)
	b.Run("badger-100-concurrent-txns", benchBadgerConcurrent)
	b.Run("badger-batches-of-100", benchBadgerBatches)
	b.Run("badger-one-sync-each", benchBadgerSerial)
}

func benchNodePut(b *testing.B) {
	n := startNode(b, unlimited())
	const senders = 100
	clients := make([]*rendezvous.Client, senders)
	for i := range clients {
		clients[i], _ = newClient(b, n)
	}
	_, bob := newClient(b, n)
	env := make([]byte, benchEnvelope)
	var next atomic.Int64
	b.SetParallelism((senders + 1) / 2)
	b.SetBytes(benchEnvelope)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c := clients[int(next.Add(1)-1)%senders]
		for pb.Next() {
			if err := c.Put(b.Context(), bob.ID(), env); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "envelopes/s")
}

func openBadger(b *testing.B) *badger.DB {
	db, err := badger.Open(badger.DefaultOptions(b.TempDir()).WithSyncWrites(true).WithLogger(nil))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	return db
}

func benchBadgerConcurrent(b *testing.B) {
	db := openBadger(b)
	env := make([]byte, benchEnvelope)
	var seq atomic.Uint64
	b.SetParallelism(50)
	b.SetBytes(benchEnvelope)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			key := itemKey("bob", seq.Add(1))
			if err := db.Update(func(txn *badger.Txn) error { return txn.Set(key, env) }); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "envelopes/s")
}

func benchBadgerBatches(b *testing.B) {
	db := openBadger(b)
	env := make([]byte, benchEnvelope)
	b.SetBytes(benchEnvelope)
	b.ResetTimer()
	for done := 0; done < b.N; {
		n := min(100, b.N-done)
		err := db.Update(func(txn *badger.Txn) error {
			for i := range n {
				if err := txn.Set(itemKey("bob", uint64(done+i)), env); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		done += n
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "envelopes/s")
}

func benchBadgerSerial(b *testing.B) {
	db := openBadger(b)
	env := make([]byte, benchEnvelope)
	b.SetBytes(benchEnvelope)
	b.ResetTimer()
	for i := range b.N {
		if err := db.Update(func(txn *badger.Txn) error { return txn.Set(itemKey("bob", uint64(i)), env) }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "envelopes/s")
}

// BenchmarkFetchAck: the recipient drains its inbox over the network,
// FETCH 256 then ACK those 256, until empty. One op = one envelope fetched
// and acked (synced delete).
func BenchmarkFetchAck(b *testing.B) {
	n := startNode(b, unlimited())
	bob, bh := newClient(b, n)
	fill(b, n.srv.mbox, bh.ID(), b.N)
	b.SetBytes(benchEnvelope)
	b.ResetTimer()
	for got := 0; got < b.N; {
		items, err := bob.Fetch(b.Context(), rendezvous.MaxFetchItems)
		if err != nil || len(items) == 0 {
			b.Fatalf("Fetch = %d items, %v after %d of %d", len(items), err, got, b.N)
		}
		if err := bob.Ack(b.Context(), ids(items)); err != nil {
			b.Fatal(err)
		}
		got += len(items)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "envelopes/s")
}

// fill deposits count envelopes into inbox through the node's own PUT path
// (100 concurrent writers, so group commit keeps it quick).
func fill(b testing.TB, mb *mailbox, inbox peer.ID, count int) {
	b.Helper()
	env := make([]byte, benchEnvelope)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			for next.Add(1) <= int64(count) {
				if st := mb.put(context.Background(), peer.ID("filler"), &rendezvous.Put{To: []byte(inbox), Envelope: env}); st != rendezvous.Status_STATUS_OK {
					panic(fmt.Sprintf("fill: %v", st))
				}
			}
		})
	}
	wg.Wait()
}
