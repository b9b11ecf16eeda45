//go:build unix

package app

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// BenchmarkDeliverConcurrent measures the whole delivery path of one
// conversation with 16 concurrent Send callers (PARLEY_BENCH_CALLERS sets
// another number) of 100-byte texts (PARLEY_BENCH_SIZE another size): seal, outbox commit, direct
// stream, bob's ingest commit, ack, alice's status commit; synced vaults on
// both sides. With PARLEY_BENCH_BATCH=N each caller sends N texts per
// SendBatch call instead (scenario 3.batch: one caller, 256). One op is one
// message Delivered at alice. Besides msg/s it reports the process's CPU,
// minor page faults and bytes passed to write(2)/pwrite(2) (files and
// sockets; Linux) per message. It is the place to profile scenario 3 of
// `go run ./bench` (and, with PARLEY_BENCH_SIZE=65536, scenario 8):
//
//	go test ./app -run '^$' -bench DeliverConcurrent -benchtime 20000x -cpuprofile /tmp/cpu.prof
func BenchmarkDeliverConcurrent(b *testing.B) {
	alice, bob := newUser(b, "alice"), newUser(b, "bob")
	connect(b, alice, bob)
	befriend(b, alice, bob)
	bobID := bob.id()
	events := alice.c.hub.subscribe(b.Context(), 1<<16)
	var delivered atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range events {
			if s, ok := ev.(MessageStatusChanged); ok && s.Status == StatusDelivered {
				delivered.Add(1)
			}
		}
	}()
	callers := 16
	if n, err := strconv.Atoi(os.Getenv("PARLEY_BENCH_CALLERS")); err == nil && n > 0 {
		callers = n
	}
	// Each text is "message %08d" + tail: formatting only the number keeps
	// the harness's own CPU out of the figure (Sprintf over a 64 KiB format
	// string was ≈ 60 µs per message).
	tail := " of the benchmark, about a hundred bytes long with this padding text...."
	if n, err := strconv.Atoi(os.Getenv("PARLEY_BENCH_SIZE")); err == nil && n > len(tail)+16 {
		tail += strings.Repeat(".", n-len(tail)-16)
	}
	batch := 1
	if n, err := strconv.Atoi(os.Getenv("PARLEY_BENCH_BATCH")); err == nil && n > 0 {
		batch = n
	}
	b.ResetTimer()
	cpu0, faults0 := usage()
	w0 := writtenBytes()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			for i := next.Add(int64(batch)); i-int64(batch) < int64(b.N); i = next.Add(int64(batch)) {
				texts := make([]string, 0, batch)
				for j := i - int64(batch) + 1; j <= i && j <= int64(b.N); j++ {
					texts = append(texts, fmt.Sprintf("message %08d", j)+tail)
				}
				var err error
				if batch == 1 {
					_, err = alice.c.Send(b.Context(), bobID, texts[0])
				} else {
					_, err = alice.c.SendBatch(b.Context(), bobID, texts)
				}
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	deadline := time.Now().Add(2 * time.Minute)
	for delivered.Load() < int64(b.N) {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d delivered within 2 minutes", delivered.Load(), b.N)
		}
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
	b.SetBytes(int64(len("message 00000000") + len(tail)))
	cpu1, faults1 := usage()
	b.ReportMetric(float64((cpu1-cpu0).Microseconds())/float64(b.N), "cpu-µs/msg")
	b.ReportMetric(float64(faults1-faults0)/float64(b.N), "faults/msg")
	if w0 >= 0 {
		b.ReportMetric(float64(writtenBytes()-w0)/float64(b.N), "write-B/msg")
	}
}

// writtenBytes is the number of bytes this process has passed to write
// system calls so far (wchar of /proc/self/io; Linux), or -1.
func writtenBytes() int64 {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return -1
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "wchar: "); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return -1
			}
			return n
		}
	}
	return -1
}

// usage returns the user+system CPU time of this process so far and the
// page faults it has taken that needed no I/O (first touches of fresh
// memory, mostly).
func usage() (cpu time.Duration, minorFaults int64) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0
	}
	// Minflt is int32 on some 32-bit systems.
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), int64(ru.Minflt)
}
