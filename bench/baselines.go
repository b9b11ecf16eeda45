package main

import (
	"fmt"
	"path/filepath"
	"runtime/debug"
	"time"
)

// baselines are the bare figures measured in the same run; the scenarios
// divide by them. A zero value means "not measured".
type baselines struct {
	crypto    latencies // secretbox seal+open + Ed25519 sign+verify, 1 KiB
	rtt       latencies // libp2p 64 B echo round trip, persistent stream
	syncWrite latencies // one synced Badger write of one envelope
	batch     rates     // synced Badger batches of envelopes, envelopes/s
	batchSize int
	tcp       rates // raw loopback TCP, MB/s
	stream    rates // one libp2p stream, MB/s
}

// Standard plans. Latency: many cheap ops; disk: fewer, slower ops.
var (
	quickLat  = plan{warmup: 100, rounds: 3, perRound: 1000, maxRound: 400 * time.Millisecond}
	fullLat   = plan{warmup: 2000, rounds: 5, perRound: 20000, maxRound: 2 * time.Second}
	quickDisk = plan{warmup: 20, rounds: 3, perRound: 200, maxRound: 500 * time.Millisecond}
	fullDisk  = plan{warmup: 100, rounds: 5, perRound: 2000, maxRound: 1500 * time.Millisecond}
	quickRate = plan{warmup: 300, rounds: 3, perRound: 3000, maxRound: 400 * time.Millisecond}
	fullRate  = plan{warmup: 5000, rounds: 5, perRound: 100000, maxRound: 2 * time.Second}
)

func runBaselines(e *env) ([]Result, error) {
	b := &e.base
	var rs []Result
	// Each baseline stands alone: one that fails is reported and the
	// others (and the ratios that need them) still count.
	lat := func(id, figure string, l latencies, err error) {
		if err != nil {
			rs = append(rs, notMeasured(id, figure, "", err.Error()))
			return
		}
		rs = append(rs, latRow(id, figure, "µs", l, us))
	}
	rate := func(id, figure, unit string, r rates, err error) {
		if err != nil {
			rs = append(rs, notMeasured(id, figure, "", err.Error()))
			return
		}
		rs = append(rs, rateRow(id, figure, unit, r))
	}
	var err error
	b.crypto, err = bareCrypto(e.plan(quickLat, fullLat))
	lat("base.crypto", "bare secretbox seal+open + Ed25519 sign+verify, 1 KiB", b.crypto, err)
	b.rtt, err = bareRoundTrip(e.ctx, e.plan(quickLat, fullLat))
	lat("base.rtt", "bare libp2p round trip, 64 B echo, TCP+Noise+yamux, open stream", b.rtt, err)
	b.syncWrite, err = bareSyncedWrite(filepath.Join(e.tmp, "base-sync"), e.plan(quickDisk, fullDisk))
	lat("base.fsync", fmt.Sprintf("bare synced Badger write, 1 txn of one %d B envelope", envelopeSize), b.syncWrite, err)
	b.batchSize = 100
	b.batch, err = bareBatchWrites(filepath.Join(e.tmp, "base-batch"), e.plan(quickRate, fullRate), b.batchSize)
	rate("base.batch", fmt.Sprintf("bare synced Badger batches of %d × %d B envelopes", b.batchSize, envelopeSize), "env/s", b.batch, err)
	large := e.plan(plan{warmup: 40, rounds: 3, perRound: 400, maxRound: 300 * time.Millisecond},
		plan{warmup: 200, rounds: 5, perRound: 20000, maxRound: 1500 * time.Millisecond})
	b.tcp, err = bareLoopback(large)
	rate("base.tcp", "raw loopback TCP, 256 KiB writes", "MB/s", b.tcp, err)
	b.stream, err = bareLibp2pStream(e.ctx, large)
	rate("base.stream", "one libp2p stream (Noise+yamux), 256 KiB writes", "MB/s", b.stream, err)
	// The baselines leave up to 2 GB of garbage (their write buffers):
	// collect it and return the memory now, or the runtime's background
	// scavenger hands the pages back on these 2 cores during scenario 1
	// (1.crypto's median moved by up to 40 % with it). Only here: called
	// before every scenario, it made later ones that allocate large
	// buffers beside a big live heap fault their pages in again and again
	// (8.floor's Seal+Open 5× slower after scenario 3).
	debug.FreeOSMemory()
	return rs, nil
}

// latRow is an info row of a latency distribution in the unit conv gives.
func latRow(id, figure, unit string, l latencies, conv func(time.Duration) float64) Result {
	r := Result{ID: id, Figure: figure, Unit: unit, Median: conv(l.p50()), P99: conv(l.p99()), Samples: len(l)}
	r.judge()
	return r
}

// rateRow is an info row of per-round rates; P99 holds the slowest round.
func rateRow(id, figure, unit string, r rates) Result {
	res := Result{ID: id, Figure: figure, Unit: unit, Median: r.median(), P99: r.worst(), Samples: len(r)}
	res.judge()
	return res
}
