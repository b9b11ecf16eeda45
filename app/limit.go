package app

import (
	"sync"
	"time"
)

// Bounds on what strangers can make us store or do.
const (
	// MaxPendingRequests bounds the queue of unanswered friend requests;
	// newer requests are dropped while it is full.
	MaxPendingRequests = 100
	// requestRate and requestBurst rate-limit incoming friend requests
	// (all senders together): 1 per second, 20 in a burst.
	requestRate  = 1.0
	requestBurst = 20
)

// bucket is a token bucket. Safe for concurrent use.
type bucket struct {
	now   func() time.Time
	rate  float64 // tokens per second
	burst float64

	mu     sync.Mutex // guards tokens and last
	tokens float64
	last   time.Time
}

func newBucket(rate float64, burst int, now func() time.Time) *bucket {
	return &bucket{now: now, rate: rate, burst: float64(burst), tokens: float64(burst)}
}

// allow takes a token if one is available.
func (b *bucket) allow() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.now()
	if !b.last.IsZero() {
		b.tokens = min(b.burst, b.tokens+t.Sub(b.last).Seconds()*b.rate)
	}
	b.last = t
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
