package server

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// maxLimiters bounds the token buckets kept per key class; beyond it, new
// keys share one overflow bucket until the sweeper forgets idle ones. This
// keeps memory bounded when 1,000s of fresh peer IDs flood the node.
const maxLimiters = 100_000

// limiters is a set of token buckets keyed by sender (peer ID) or IP. It is
// safe for concurrent use.
type limiters struct {
	rate  rate.Limit
	burst int

	mu       sync.Mutex // guards the fields below
	m        map[string]*bucket
	overflow *rate.Limiter
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newLimiters(perSecond float64, burst int) *limiters {
	return &limiters{
		rate: rate.Limit(perSecond), burst: burst,
		m:        make(map[string]*bucket),
		overflow: rate.NewLimiter(rate.Limit(perSecond), burst),
	}
}

// allow takes one token from key's bucket at time now.
func (l *limiters) allow(key string, now time.Time) bool {
	if l == nil {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.m[key]
	if !ok {
		if len(l.m) >= maxLimiters {
			return l.overflow.AllowN(now, 1)
		}
		b = &bucket{lim: rate.NewLimiter(l.rate, l.burst)}
		l.m[key] = b
	}
	b.seen = now
	return b.lim.AllowN(now, 1)
}

// forget drops buckets idle long enough to have refilled completely: a
// fresh bucket would behave the same.
func (l *limiters) forget(now time.Time) {
	if l == nil {
		return
	}
	refill := time.Duration(float64(l.burst)/float64(l.rate)*float64(time.Second)) + time.Second
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, b := range l.m {
		if now.Sub(b.seen) > refill {
			delete(l.m, k)
		}
	}
}
