package main

import (
	"fmt"
	"path/filepath"
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
	fullLat   = plan{warmup: 2000, rounds: 5, perRound: 20000, maxRound: 4 * time.Second}
	quickDisk = plan{warmup: 20, rounds: 3, perRound: 200, maxRound: 500 * time.Millisecond}
	fullDisk  = plan{warmup: 100, rounds: 5, perRound: 2000, maxRound: 3 * time.Second}
	quickRate = plan{warmup: 300, rounds: 3, perRound: 3000, maxRound: 400 * time.Millisecond}
	fullRate  = plan{warmup: 5000, rounds: 5, perRound: 100000, maxRound: 4 * time.Second}
)

func runBaselines(e *env) ([]Result, error) {
	b := &e.base
	var err error
	if b.crypto, err = bareCrypto(e.plan(quickLat, fullLat)); err != nil {
		return nil, fmt.Errorf("bare crypto: %w", err)
	}
	if b.rtt, err = bareRoundTrip(e.ctx, e.plan(quickLat, fullLat)); err != nil {
		return nil, fmt.Errorf("bare libp2p round trip: %w", err)
	}
	if b.syncWrite, err = bareSyncedWrite(filepath.Join(e.tmp, "base-sync"), e.plan(quickDisk, fullDisk)); err != nil {
		return nil, fmt.Errorf("bare synced write: %w", err)
	}
	b.batchSize = 100
	if b.batch, err = bareBatchWrites(filepath.Join(e.tmp, "base-batch"), e.plan(quickRate, fullRate), b.batchSize); err != nil {
		return nil, fmt.Errorf("bare batch writes: %w", err)
	}
	large := e.plan(plan{warmup: 40, rounds: 3, perRound: 400, maxRound: 300 * time.Millisecond},
		plan{warmup: 500, rounds: 5, perRound: 20000, maxRound: 3 * time.Second})
	if b.tcp, err = bareLoopback(large); err != nil {
		return nil, fmt.Errorf("bare loopback: %w", err)
	}
	if b.stream, err = bareLibp2pStream(e.ctx, large); err != nil {
		return nil, fmt.Errorf("bare libp2p stream: %w", err)
	}
	return []Result{
		latRow("base.crypto", "bare secretbox seal+open + Ed25519 sign+verify, 1 KiB", "µs", b.crypto, us),
		latRow("base.rtt", "bare libp2p round trip, 64 B echo, TCP+Noise+yamux, open stream", "µs", b.rtt, us),
		latRow("base.fsync", fmt.Sprintf("bare synced Badger write, 1 txn of one %d B envelope", envelopeSize), "µs", b.syncWrite, us),
		rateRow("base.batch", fmt.Sprintf("bare synced Badger batches of %d × %d B envelopes", b.batchSize, envelopeSize), "env/s", b.batch),
		rateRow("base.tcp", "raw loopback TCP, 256 KiB writes", "MB/s", b.tcp),
		rateRow("base.stream", "one libp2p stream (Noise+yamux), 256 KiB writes", "MB/s", b.stream),
	}, nil
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
