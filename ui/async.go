package ui

import "sync"

// tasks runs blocking work off the UI goroutine and hands results back to it.
// The zero value is not usable; GUI sets do.
type tasks struct {
	// do runs f on the UI goroutine without waiting (fyne.Do; tests queue it).
	do func(f func())
	wg sync.WaitGroup
}

// start runs work in a new goroutine, then done with its error on the UI
// goroutine. Call it from the UI goroutine.
func (t *tasks) start(work func() error, done func(error)) {
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		err := work()
		t.do(func() { done(err) })
	}()
}

// wait blocks until every started task has handed its result to do.
func (t *tasks) wait() { t.wg.Wait() }
