package main

import (
	"errors"
	"fmt"
	"slices"
	"syscall"
	"time"
)

// plan bounds one measurement: ops discarded as warm-up, then rounds of at
// most perRound ops each, every round also capped by maxRound wall time.
// Every loop in the benchmark is bounded by a plan (count and time).
type plan struct {
	warmup   int
	rounds   int
	perRound int
	maxRound time.Duration
}

// scale returns p with the op counts multiplied by f (at least 1 each).
func (p plan) scale(f float64) plan {
	p.warmup = max(1, int(float64(p.warmup)*f))
	p.perRound = max(1, int(float64(p.perRound)*f))
	return p
}

// latencies is a sorted set of per-operation durations.
type latencies []time.Duration

// quantile returns the q-quantile (0..1) of the sorted samples by the
// nearest-rank method; 0 when there are none.
func (l latencies) quantile(q float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	i := int(q*float64(len(l))+0.5) - 1
	return l[min(max(i, 0), len(l)-1)]
}

func (l latencies) p50() time.Duration { return l.quantile(0.50) }
func (l latencies) p99() time.Duration { return l.quantile(0.99) }

// measureLatency times op one call at a time: warm-up calls first, then
// p.rounds rounds. It returns all round samples, sorted.
func measureLatency(p plan, op func() error) (latencies, error) {
	return measureTimed(p, func() (time.Duration, error) {
		start := time.Now()
		err := op()
		return time.Since(start), err
	})
}

// measureTimed is measureLatency for an op that times itself, so that it
// can leave out its preparation (such as signing the next request).
func measureTimed(p plan, op func() (time.Duration, error)) (latencies, error) {
	warmEnd := time.Now().Add(p.maxRound / 2)
	for i := 0; i < p.warmup && (i == 0 || time.Now().Before(warmEnd)); i++ {
		if _, err := op(); err != nil {
			return nil, fmt.Errorf("warm-up: %w", err)
		}
	}
	all := make([]time.Duration, 0, p.rounds*p.perRound)
	for range p.rounds {
		deadline := time.Now().Add(p.maxRound)
		for i := 0; i < p.perRound && (i == 0 || time.Now().Before(deadline)); i++ {
			d, err := op()
			if err != nil {
				return nil, err
			}
			all = append(all, d)
		}
	}
	slices.Sort(all)
	return all, nil
}

// roundFunc runs at most maxOps operations before deadline and returns how
// many it completed (and so made durable, where that applies).
type roundFunc func(maxOps int, deadline time.Time) (int, error)

// rates is the per-round operation rate (ops/s), sorted ascending.
type rates []float64

func (r rates) median() float64 {
	if len(r) == 0 {
		return 0
	}
	return r[len(r)/2]
}

// worst is the slowest round.
func (r rates) worst() float64 {
	if len(r) == 0 {
		return 0
	}
	return r[0]
}

// measureRate runs a warm-up round of p.warmup ops, then p.rounds timed rounds.
func measureRate(p plan, round roundFunc) (rates, error) {
	if p.warmup > 0 {
		if _, err := round(p.warmup, time.Now().Add(p.maxRound/2)); err != nil {
			return nil, fmt.Errorf("warm-up: %w", err)
		}
	}
	var out rates
	for range p.rounds {
		start := time.Now()
		n, err := round(p.perRound, start.Add(p.maxRound))
		if err != nil {
			return nil, err
		}
		el := time.Since(start)
		if n == 0 || el <= 0 {
			return nil, errors.New("round completed no operations")
		}
		out = append(out, float64(n)/el.Seconds())
	}
	slices.Sort(out)
	return out, nil
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func sortRates(r rates) { slices.Sort(r) }

// cpuTime is the CPU time (user + system) this process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
