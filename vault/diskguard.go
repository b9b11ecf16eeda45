package vault

import (
	"log/slog"

	"github.com/parley-chat/parley/internal/diskguard"
)

// DefaultMinFreeBytes is the default free-space reserve of
// Options.MinFreeBytes: Badger's two mmap'd memtable files plus a margin.
// Below it Update refuses with ErrDiskFull, because a write that the file
// system cannot back would kill the process with SIGBUS (see
// internal/diskguard).
const DefaultMinFreeBytes = 2*memTableSize + 8<<20

// newDiskGuard returns the vault's guard, or nil when it is off.
func newDiskGuard(o *Options, dir string, logger *slog.Logger) *diskguard.Guard {
	if o.InMemory || o.MinFreeBytes < 0 {
		return nil
	}
	min := o.MinFreeBytes
	if min == 0 {
		min = DefaultMinFreeBytes
	}
	return diskguard.New(dir, uint64(min), ErrDiskFull, logger)
}
