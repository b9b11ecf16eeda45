package vault

import (
	"path/filepath"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
)

// Badger tuning for a desktop/phone chat store: far smaller caches and
// files than Badger's server defaults (256 MiB block cache, 1 GiB value log
// files).
const (
	indexCacheSize   = 16 << 20 // required by encryption
	blockCacheSize   = 32 << 20
	memTableSize     = 16 << 20
	valueLogFileSize = 64 << 20
	// Sealed values above 4 KiB (long texts, big payloads) go to the value
	// log, so they do not fill the memtable and get rewritten by every
	// compaction; GC (gc.go) reclaims the value log.
	valueThreshold = 4 << 10
	// Level-0 tables that may pile up before Badger compacts them into the
	// next level (Badger: 5), and the count at which it stalls writes
	// (Badger: 15). Every level-0 table spans nearly the whole key space (each
	// commit writes contacts, sessions, messages and seen digests), so each
	// level-0 compaction rewrites the whole base level: merging 15 tables at
	// a time instead of 5 rewrites it a third as often. 200,000 messages
	// between two synced vaults (app's DeliverConcurrent, 64 callers): 1.96 →
	// 1.23 GB written to the device, ≈ 270 → 225 µs of CPU per message.
	// Reads check up to 15 small bloom filters more; history pages stay far
	// inside their goals (BENCHMARKS.md, scenario 7).
	numLevelZeroTables      = 15
	numLevelZeroTablesStall = 30
	// Badger re-generates its internal data keys (wrapped by our key) this
	// often; we don't need rotation, the wrapping key never changes.
	keyRotation = 100 * 365 * 24 * time.Hour
)

// badgerOptions builds Badger's options for the vault in dir, encrypted with
// key (which Badger keeps a reference to).
func badgerOptions(dir string, key []byte, o *Options) badger.Options {
	bo := badger.DefaultOptions(filepath.Join(dir, dbDirName))
	if o.InMemory {
		bo = badger.DefaultOptions("").WithInMemory(true)
	}
	bo = bo.
		WithEncryptionKey(key).
		WithEncryptionKeyRotationDuration(keyRotation).
		WithIndexCacheSize(indexCacheSize).
		WithBlockCacheSize(blockCacheSize).
		WithMemTableSize(memTableSize).
		WithNumLevelZeroTables(numLevelZeroTables).
		WithNumLevelZeroTablesStall(numLevelZeroTablesStall).
		WithValueLogFileSize(valueLogFileSize).
		WithSyncWrites(!o.NoSync).
		// Sealed values are random bytes: compression would only cost CPU.
		WithCompression(options.None).
		// Check block checksums on read, so a damaged table is an error
		// rather than garbage fed to the block decoder.
		WithChecksumVerificationMode(options.OnBlockRead).
		WithValueThreshold(valueThreshold).
		WithMetricsEnabled(false).
		WithLogger(nil)
	if o.Logger != nil {
		bo = bo.WithLogger(badgerLogger{l: o.Logger.With("component", "badger")})
	}
	if o.valueThreshold > 0 {
		bo = bo.WithValueThreshold(o.valueThreshold)
	}
	return bo
}
