package server

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// errStorageFull is returned for writes refused because the data
// directory's file system is nearly full.
var errStorageFull = errors.New("node storage full")

// memTableSize is the node's Badger memtable size. Badger backs each
// memtable with a sparse, mmap'd write-ahead file of twice this size: when
// the file system cannot back a page of it, the process dies of SIGBUS
// instead of getting ENOSPC. So writes stop while free space is below
// 2 × memTableSize plus a margin (see Config.MinFreeBytes).
const memTableSize = 32 << 20

// defaultMinFree is the default free-space reserve.
const defaultMinFree = 2*memTableSize + 8<<20

// diskGuard refuses writes while the data directory's free space is below
// min. It checks at most once a second. A nil guard admits everything.
type diskGuard struct {
	dir    string
	min    uint64
	logger *slog.Logger
	// free reports the free bytes of dir's file system (a field so tests
	// can fake a full disk).
	free func(dir string) (uint64, error)

	mu      sync.Mutex // guards the fields below
	checked time.Time
	full    bool
}

func newDiskGuard(dir string, min int64, logger *slog.Logger) *diskGuard {
	if min < 0 || dir == "" {
		return nil
	}
	return &diskGuard{dir: dir, min: uint64(min), logger: logger, free: freeBytes}
}

// check returns errStorageFull while the disk is nearly full.
func (g *diskGuard) check() error {
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
		return fmt.Errorf("%w (under %d MiB free)", errStorageFull, g.min>>20)
	}
	return nil
}

// reset forgets the cached answer (tests).
func (g *diskGuard) reset() {
	g.mu.Lock()
	g.checked = time.Time{}
	g.mu.Unlock()
}
