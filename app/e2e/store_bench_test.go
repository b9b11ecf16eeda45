package e2e

import (
	"testing"
	"time"
)

// benchSession is a session as the app stores it mid-conversation: both
// chains, a few skipped keys, a turn behind it.
func benchSession(b *testing.B) (*Session, []byte) {
	b.Helper()
	_, _, sa, sb, rnd := pair(b, "bench-store")
	mustOpen(b, sa, mustSeal(b, sb, rnd, "b1"), "b1")
	mustSeal(b, sa, rnd, "skipped 1")
	mustSeal(b, sa, rnd, "skipped 2")
	mustOpen(b, sb, mustSeal(b, sa, rnd, "a3"), "a3")
	blob, err := sb.MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	return sb, blob
}

// BenchmarkUnmarshalSession is one load of a stored session, as the app
// does once per vault transaction when its live cache misses. It also
// reports the median per load, which a loaded machine disturbs less.
func BenchmarkUnmarshalSession(b *testing.B) {
	s, blob := benchSession(b)
	b.ReportAllocs()
	var d []time.Duration
	for b.Loop() {
		t0 := time.Now()
		if _, err := UnmarshalSession(s.me, blob); err != nil {
			b.Fatal(err)
		}
		d = append(d, time.Since(t0))
	}
	b.ReportMetric(float64(median(d).Nanoseconds()), "median-ns")
}

// BenchmarkSessionRoundTrip is MarshalBinary followed by UnmarshalSession:
// what storing and reloading a session costs per message.
func BenchmarkSessionRoundTrip(b *testing.B) {
	s, _ := benchSession(b)
	b.ReportAllocs()
	var d []time.Duration
	for b.Loop() {
		t0 := time.Now()
		blob, err := s.MarshalBinary()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := UnmarshalSession(s.me, blob); err != nil {
			b.Fatal(err)
		}
		d = append(d, time.Since(t0))
	}
	b.ReportMetric(float64(median(d).Nanoseconds()), "median-ns")
}

// BenchmarkClone is (*Session).Clone, the app's cheap rollback copy.
func BenchmarkClone(b *testing.B) {
	s, _ := benchSession(b)
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Clone()
	}
}
