package server

import (
	"errors"
	"log/slog"

	"github.com/parley-chat/parley/internal/diskguard"
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

// newDiskGuard returns the node's guard for dir, or nil when it is off.
func newDiskGuard(dir string, min int64, logger *slog.Logger) *diskguard.Guard {
	if min < 0 || dir == "" {
		return nil
	}
	return diskguard.New(dir, uint64(min), errStorageFull, logger)
}
