package app

import (
	"context"
	"sync"
)

// DefaultQueue is the number of events a subscriber may fall behind by
// before it is dropped and told to Resync.
const DefaultQueue = 1024

// hub fans events out to subscribers. Each subscriber has a bounded queue;
// a subscriber whose queue is full is dropped: its channel receives Resync
// (the queue keeps one slot free for it) and is closed, so a slow consumer
// never stalls the core.
type hub struct {
	mu   sync.Mutex // guards subs and closed
	subs map[*subscriber]struct{}
	// closed is set by close; later subscribers get a closed channel.
	closed bool
}

type subscriber struct {
	ch chan Event
}

func newHub() *hub { return &hub{subs: make(map[*subscriber]struct{})} }

// subscribe registers a subscriber with a queue of n events and returns its
// channel; the subscription ends when ctx is done.
func (h *hub) subscribe(ctx context.Context, n int) <-chan Event {
	s := &subscriber{ch: make(chan Event, n+1)}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		close(s.ch)
		return s.ch
	}
	h.subs[s] = struct{}{}
	context.AfterFunc(ctx, func() { h.drop(s, false) })
	return s.ch
}

// drop removes s; with resync it first queues a Resync.
func (h *hub) drop(s *subscriber, resync bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.dropLocked(s, resync)
}

func (h *hub) dropLocked(s *subscriber, resync bool) {
	if _, ok := h.subs[s]; !ok {
		return
	}
	delete(h.subs, s)
	if resync {
		s.ch <- Resync{} // the spare slot guarantees room
	}
	close(s.ch)
}

// emit delivers ev to every subscriber without blocking.
func (h *hub) emit(ev Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		if len(s.ch) >= cap(s.ch)-1 {
			h.dropLocked(s, true)
			continue
		}
		s.ch <- ev
	}
}

// close ends every subscription.
func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		h.dropLocked(s, false)
	}
	h.closed = true
}
