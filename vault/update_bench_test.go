package vault

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// benchUpdate measures synced single-message Updates from par goroutines
// (per GOMAXPROCS) and reports messages per second.
func benchUpdate(b *testing.B, par int) {
	dir := b.TempDir()
	v, err := Create(dir, testPass, syncedOptions()) // synced writes, as in production
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	var seq atomic.Int64
	start := time.Now()
	b.SetParallelism(par)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := seq.Add(1)
			m := Message{ID: fmt.Sprintf("m%09d", n), Conv: "c", From: "a", Text: "hello there", SentAt: t0.Add(time.Duration(n))}
			if err := v.Update(func(tx *Tx) error { return tx.PutMessage(m) }); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}

// BenchmarkSerialUpdate is the baseline: one writer, one fsync per message.
func BenchmarkSerialUpdate(b *testing.B) {
	dir := b.TempDir()
	v, err := Create(dir, testPass, syncedOptions())
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	start := time.Now()
	for i := range b.N {
		m := Message{ID: fmt.Sprintf("m%09d", i), Conv: "c", From: "a", Text: "hello there", SentAt: t0.Add(time.Duration(i))}
		if err := v.Update(func(tx *Tx) error { return tx.PutMessage(m) }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}

// BenchmarkConcurrentUpdate runs many concurrent writers; Updates that
// arrive together share one commit (group commit).
func BenchmarkConcurrentUpdate(b *testing.B) {
	for _, par := range []int{4, 32} {
		b.Run(fmt.Sprintf("writers%d", par*2), func(b *testing.B) { benchUpdate(b, par) })
	}
}
