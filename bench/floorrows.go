package main

import (
	"fmt"
	"path/filepath"
	"runtime"
	"time"

	"github.com/parley-chat/parley/app"
)

// Both floors are measured before their scenario's bursts, so that the
// bursts' after-effects in the shared world (Badger flushing and compacting
// in the background) are not counted as the floor's process CPU time.

// measureLargeFloor measures the CPU floor of one app.MaxTextBytes text
// (row 8.floor). Storage group-commits 16 messages (the most 8.large's 16
// senders can share); one message per txn is measured too, and the cheaper
// counts, so that the floor is a lower bound.
func measureLargeFloor(e *env) (floor, error) {
	return measureFloor(filepath.Join(e.tmp, "floor-large"), floorPlan{
		calls: e.sizeFor(100, 500), limit: forMode(e, 300*time.Millisecond, 2*time.Second),
		txns: e.sizeFor(10, 50), txnLimit: forMode(e, 600*time.Millisecond, 4*time.Second),
		perTxn: 16, single: e.sizeFor(50, 300), textBytes: app.MaxTextBytes,
	})
}

// largeFloorRow is row 8.floor, from measureLargeFloor's result, with the
// CPU-bound ceiling of this machine's cores in MB/s of plaintext (0 when
// not measured); large is 8.large's rate and cpu its CPU time per message.
func largeFloorRow(f floor, err error, large float64, cpu time.Duration) (Result, float64) {
	size := app.MaxTextBytes
	figure := fmt.Sprintf("CPU floor of one %d KiB text (app.MaxTextBytes), one goroutine: e2e Seal+Open, transport seal+open, 4 at-rest seals, synced Badger txns", size>>10)
	if err != nil {
		return notMeasured("8.floor", figure, "", err.Error()), 0
	}
	cores := runtime.NumCPU()
	ceiling := float64(cores) * float64(size) / f.cpu().Seconds() / 1e6
	r := Result{ID: "8.floor", Figure: figure, Unit: "µs", Median: us(f.cpu()), Samples: f.store.calls * f.perTxn}
	r.Note = fmt.Sprintf("%s; CPU-bound ceiling on %d cores (both clients on them) = %d × %d KiB / %.0f µs ≈ %.0f MB/s of plaintext",
		f, cores, cores, size>>10, us(f.cpu()), ceiling)
	if large > 0 {
		r.Note += fmt.Sprintf("; 8.large %.1f MB/s = %.0f %% of it, at %.0f µs CPU per message = %.1f× the floor",
			large, 100*large/ceiling, us(cpu), float64(cpu)/float64(f.cpu()))
	}
	r.Note += "; " + verdict(ceiling, 300, "MB/s")
	r.judge()
	return r, ceiling
}

// measureSmallFloor measures the CPU floor of one 100 B text (row
// 3.floor), the storage group-committed 64 messages to a synced txn.
func measureSmallFloor(e *env) (floor, error) {
	return measureFloor(filepath.Join(e.tmp, "floor-small"), floorPlan{
		calls: e.sizeFor(1000, 5000), limit: forMode(e, 300*time.Millisecond, 2*time.Second),
		txns: e.sizeFor(20, 150), txnLimit: forMode(e, 600*time.Millisecond, 4*time.Second),
		perTxn: 64, textBytes: 100,
	})
}

// smallFloorRow is row 3.floor, from measureSmallFloor's result; burst
// names the scenario 3 row whose CPU per message, burstCPU, the note
// compares.
func smallFloorRow(f floor, err error, burst string, burstCPU time.Duration) Result {
	const figure = "CPU floor of one 100 B text, one goroutine: e2e Seal+Open, transport seal+open, 4 at-rest seals, synced Badger txns"
	if err != nil {
		return notMeasured("3.floor", figure, "", err.Error())
	}
	cores := runtime.NumCPU()
	ceiling := float64(cores) / f.cpu().Seconds()
	r := Result{ID: "3.floor", Figure: figure, Unit: "µs", Median: us(f.cpu()), Samples: f.store.calls * f.perTxn}
	r.Note = fmt.Sprintf("%s; CPU-bound ceiling on %d cores (both clients on them) = %d / %.0f µs ≈ %.0f msg/s",
		f, cores, cores, us(f.cpu()), ceiling)
	if burstCPU > 0 {
		r.Note += fmt.Sprintf("; %s: %.0f µs CPU per message = %.1f× the floor", burst, us(burstCPU), float64(burstCPU)/float64(f.cpu()))
	}
	r.Note += "; " + verdict(ceiling, 10000, "msg/s")
	r.judge()
	return r
}

// String is the note's split of the floor into its parts.
func (f floor) String() string {
	part := func(c cost) string { return fmt.Sprintf("%.1f (wall %.1f)", us(c.cpu), us(c.wall)) }
	store := fmt.Sprintf("txns of %d messages %s", f.perTxn, part(f.store))
	if f.single.calls > 0 {
		store = fmt.Sprintf("the cheaper of %s and of 1 message %s", store, part(f.single))
	}
	return fmt.Sprintf("CPU µs per message (wall): e2e Seal+Open %s + transport %s + at-rest seals of 4 records (%d B sealed) %s + "+
		"synced storage, %s = %.1f (storage: process CPU, the others this thread's; each part the best of %d rounds)",
		part(f.e2e), part(f.transport), f.recordBytes, part(f.atRest), store, us(f.cpu()), floorRounds)
}

// verdict says whether goal (a rate) fits under the CPU-bound ceiling and,
// when it does not, proposes the nearest honest goal.
func verdict(ceiling, goal float64, unit string) string {
	if ceiling >= goal {
		return fmt.Sprintf("the goal (%.0f %s) is below this ceiling: CPU does not rule it out", goal, unit)
	}
	return fmt.Sprintf("the goal (%.0f %s) is above this ceiling: physically impossible on this machine; "+
		"nearest honest goal ≈ half the ceiling, %.0f %s (the other half pays what this floor omits: "+
		"the other records, the second commit, hand-offs, framing)", goal, unit, ceiling/2, unit)
}
