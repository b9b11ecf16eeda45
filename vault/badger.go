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
