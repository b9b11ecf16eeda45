package main

import (
	"strings"
	"testing"
	"time"
)

func TestQuantileNearestRank(t *testing.T) {
	var l latencies
	for i := 1; i <= 100; i++ {
		l = append(l, time.Duration(i))
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 50}, {0.99, 99}, {1, 100}, {0, 1}} {
		if got := l.quantile(c.q); got != c.want {
			t.Errorf("quantile(%v) = %v, want %v", c.q, got, c.want)
		}
	}
	if got := latencies(nil).p99(); got != 0 {
		t.Errorf("p99 of no samples = %v, want 0", got)
	}
}

func TestMeasureLatencyBounded(t *testing.T) {
	p := plan{warmup: 1_000_000, rounds: 2, perRound: 1_000_000, maxRound: 20 * time.Millisecond}
	start := time.Now()
	l, err := measureLatency(p, func() error { time.Sleep(time.Millisecond); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("measureLatency took %v with maxRound 20ms", el)
	}
	if len(l) == 0 || len(l) > 50 {
		t.Errorf("measureLatency kept %d samples, want 1..50", len(l))
	}
}

func TestMeasureRateBounded(t *testing.T) {
	p := plan{warmup: 10, rounds: 3, perRound: 100, maxRound: time.Second}
	r, err := measureRate(p, func(maxOps int, _ time.Time) (int, error) { return maxOps, nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(r) != 3 || r.worst() > r.median() {
		t.Errorf("rates = %v, want 3 sorted rounds", r)
	}
}

func TestJudge(t *testing.T) {
	r := Result{Median: 2, P99: 9}
	r.judge(check{name: "p50", got: r.Median, atMost: true, limit: 1, unit: " ms"},
		check{name: "p99", got: r.P99, atMost: true, limit: 10, unit: " ms"})
	if r.Status != statusFail || !strings.Contains(r.Note, "missed: p50") || strings.Contains(r.Note, "p99") {
		t.Errorf("judge: status %q note %q, want FAIL missing only p50", r.Status, r.Note)
	}
	if r.Goal != "p50 ≤ 1 ms, p99 ≤ 10 ms" {
		t.Errorf("goal = %q", r.Goal)
	}
	var info Result
	info.judge()
	if info.Status != statusInfo {
		t.Errorf("no checks: status %q, want info", info.Status)
	}
}

func TestNum(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want string
	}{{0, "0"}, {50, "50"}, {1.2345, "1.23"}, {12.345, "12.35"}, {123.45, "123.5"}, {12345.6, "12346"}} {
		if got := num(c.v); got != c.want {
			t.Errorf("num(%v) = %q, want %q", c.v, got, c.want)
		}
	}
}

func TestSortByScenario(t *testing.T) {
	rs := []Result{{ID: "2.a"}, {ID: "5.held"}, {ID: "base.rtt"}, {ID: "1.crypto"}, {ID: "2.b"}}
	sortByScenario(rs)
	var ids []string
	for _, r := range rs {
		ids = append(ids, r.ID)
	}
	if got := strings.Join(ids, " "); got != "base.rtt 1.crypto 2.a 2.b 5.held" {
		t.Errorf("order = %s", got)
	}
}
