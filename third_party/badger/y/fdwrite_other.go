//go:build !linux

// Parley patch (see PARLEY.md in the module root).

package y

import "os"

// WriteFilesThroughFD is false outside Linux: files are written through their
// memory maps, as upstream Badger does (the patch is measured on Linux only).
const WriteFilesThroughFD = false

// Datasync makes f's data durable (not used while WriteFilesThroughFD is
// false).
func Datasync(f *os.File) error { return f.Sync() }
