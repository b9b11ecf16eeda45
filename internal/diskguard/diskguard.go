// Package diskguard refuses writes while a data directory's file system is
// nearly full.
//
// Upstream Badger backs each memtable with a sparse, mmap'd write-ahead file.
// When the file system cannot back a page of it, the write is a page fault
// that the kernel answers with SIGBUS: the process dies instead of getting
// ENOSPC. parley's patched Badger (third_party/badger) writes its logs and
// tables with pwrite/write on Linux, where a full disk fails the commit
// instead; but other systems run upstream's paths, and the value log's
// header and the discard statistics are still written through maps. So
// the vault and the rendezvous node stop writing while free space is below a
// reserve that covers the memtable files, and report a clear "disk full"
// with nothing lost.
package diskguard

import (
	"fmt"
	"log/slog"
	"sync"
	"syscall"
	"time"
)

// Guard refuses writes while the free space of Dir's file system is below a
// reserve. It measures at most once a second. A nil *Guard admits everything.
// Safe for concurrent use.
type Guard struct {
	dir     string
	min     uint64
	err     error // the sentinel Check wraps when the disk is full
	logger  *slog.Logger
	mu      sync.Mutex // guards free, checked and full
	free    func(dir string) (uint64, error)
	checked time.Time
	full    bool
}

// New returns a guard for dir with a reserve of min bytes. Check wraps full
// (the caller's sentinel) when the disk is nearly full.
func New(dir string, min uint64, full error, logger *slog.Logger) *Guard {
	return &Guard{dir: dir, min: min, err: full, logger: logger, free: FreeBytes}
}

// Check returns an error matching the guard's sentinel and syscall.ENOSPC
// while the disk is nearly full. A failing statfs admits the write: the
// database then reports what it finds.
func (g *Guard) Check() error {
	if g == nil {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if now := time.Now(); now.Sub(g.checked) >= time.Second {
		g.checked = now
		free, err := g.free(g.dir)
		full := err == nil && free < g.min
		if full != g.full {
			if full {
				g.logger.Warn("disk nearly full: refusing writes", "dir", g.dir, "free", free, "reserve", g.min)
			} else {
				g.logger.Info("disk space back: accepting writes", "dir", g.dir, "free", free)
			}
		}
		g.full = full
	}
	if g.full {
		return fmt.Errorf("%w (under %d MiB free): %w", g.err, g.min>>20, syscall.ENOSPC)
	}
	return nil
}

// Reset forgets the last measurement, so the next Check measures again.
func (g *Guard) Reset() {
	g.mu.Lock()
	g.checked = time.Time{}
	g.mu.Unlock()
}

// SetFree replaces the function that measures free space (tests fake a full
// disk with it) and forgets the last measurement.
func (g *Guard) SetFree(free func(dir string) (uint64, error)) {
	g.mu.Lock()
	g.free, g.checked = free, time.Time{}
	g.mu.Unlock()
}
