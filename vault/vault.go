package vault

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"github.com/parley-chat/parley/internal/diskguard"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// dbDirName is the Badger directory inside the vault directory.
const dbDirName = "db"

// Options tune Create and Open. The zero value is ready to use: default
// Argon2id parameters, synced writes, logs discarded.
type Options struct {
	// KDF are the Argon2id parameters used when a passphrase is (re)wrapped:
	// by Create and ChangePassphrase. Open always uses the parameters stored
	// in the header. Zero means DefaultKDF; tests pass TestKDF.
	KDF KDF
	// Logger receives Badger's logs and the vault's lifecycle logs. Nil
	// discards them. Nothing secret is ever logged.
	Logger *slog.Logger
	// InMemory keeps the Badger database in memory (tests). The header is
	// still written to the directory; the data is gone after Close.
	InMemory bool
	// NoSync turns off synced writes. Default (false) is durable: a
	// committed Update survives a crash or power loss.
	NoSync bool
	// GCInterval is how often the value log is garbage-collected. Zero
	// means every 10 minutes; negative turns periodic GC off.
	GCInterval time.Duration
	// MinFreeBytes is the free space of the data directory's file system
	// below which Update refuses with ErrDiskFull instead of writing. Zero
	// means DefaultMinFreeBytes; negative turns the guard off. See
	// diskguard.go for why a full disk must never reach Badger.
	MinFreeBytes int64

	// valueThreshold overrides Badger's ValueThreshold (tests that need
	// values in the value log). Zero keeps Badger's default.
	valueThreshold int64
	// schema and migrations override the schema table (migration tests).
	schema     uint32
	migrations map[uint32]func(*Tx) error
}

func (o *Options) kdf() KDF {
	if o.KDF == (KDF{}) {
		return DefaultKDF
	}
	return o.KDF
}

func (o *Options) logger() *slog.Logger {
	if o.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Logger
}

// Vault is an open, unlocked vault. Its methods are safe for concurrent use.
// The zero value is not usable; get one from Create or Open.
type Vault struct {
	dir    string
	opts   Options
	db     *badger.DB
	sealer *sealer
	log    *slog.Logger
	closed atomic.Bool

	cmu    sync.Mutex // guards commit
	commit committer
	guard  *diskguard.Guard // nil when the guard is off (InMemory, MinFreeBytes < 0)

	gcStop chan struct{} // closed by Close to stop the GC loop
	gcDone sync.WaitGroup

	mu        sync.Mutex // guards dataKey, badgerKey and header rewrites
	dataKey   *[dataKeySize]byte
	badgerKey []byte // the copy of dataKey handed to Badger, wiped at Close
}

// Exists reports whether dir holds a vault or the remains of one (a header
// or Badger files), that is whether Create would refuse it with ErrExists.
func Exists(dir string) bool {
	return checkEmpty(dir) != nil
}

// checkEmpty returns ErrExists (wrapped) if dir holds a header or database.
func checkEmpty(dir string) error {
	if _, err := os.Lstat(filepath.Join(dir, headerName)); err == nil {
		return fmt.Errorf("%w: header present", ErrExists)
	}
	for _, d := range []string{filepath.Join(dir, dbDirName), dir} {
		entries, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if isBadgerFile(e.Name()) {
				return fmt.Errorf("%w: database file %s", ErrExists, e.Name())
			}
		}
	}
	return nil
}

func isBadgerFile(name string) bool {
	switch name {
	case "MANIFEST", "KEYREGISTRY", "DISCARD", "LOCK":
		return true
	}
	for _, ext := range []string{".vlog", ".sst", ".mem"} {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

// Create makes a new vault in dir (created if missing) protected by
// passphrase. It fails with ErrExists if dir already holds a vault or Badger
// files. The caller may wipe passphrase afterwards.
func Create(dir string, passphrase []byte, opts Options) (*Vault, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create vault: %w", err)
	}
	if err := checkEmpty(dir); err != nil {
		return nil, fmt.Errorf("create vault: %w", err)
	}
	var dk [dataKeySize]byte
	rand.Read(dk[:])
	h, err := wrapKey(&dk, passphrase, opts.kdf(), rand.Reader)
	if err == nil {
		// The header goes first: a crash before Badger is created leaves a
		// header over an empty database, which Open accepts (nothing was
		// lost).
		err = writeHeader(dir, h)
	}
	if err != nil {
		wipe(dk[:])
		return nil, fmt.Errorf("create vault: %w", err)
	}
	v, err := open(dir, &dk, opts)
	if err != nil {
		os.Remove(filepath.Join(dir, headerName))
		return nil, fmt.Errorf("create vault: %w", err)
	}
	v.log.Info("vault created")
	return v, nil
}

// Open unlocks the vault in dir. It returns ErrNoVault if there is no
// header, ErrCorruptHeader if the header is damaged and ErrWrongPassphrase
// if passphrase does not unwrap the data key; in all three cases Badger is
// not opened. The caller may wipe passphrase afterwards.
func Open(dir string, passphrase []byte, opts Options) (*Vault, error) {
	h, err := readHeader(dir)
	if errors.Is(err, ErrNoVault) && Exists(dir) {
		return nil, fmt.Errorf("open vault: header missing but database files present: %w", err)
	}
	if err != nil {
		return nil, fmt.Errorf("open vault: %w", err)
	}
	dk, err := h.unwrapKey(passphrase)
	if err != nil {
		return nil, fmt.Errorf("open vault: %w", err)
	}
	// A temp header left by an interrupted ChangePassphrase is stale.
	if err := os.Remove(filepath.Join(dir, headerTmpName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open vault: remove stale header: %w", err)
	}
	v, err := open(dir, dk, opts)
	if err != nil {
		return nil, fmt.Errorf("open vault: %w", err)
	}
	v.log.Info("vault unlocked")
	return v, nil
}

// open opens Badger with the data key and brings the schema up to date.
func open(dir string, dk *[dataKeySize]byte, opts Options) (*Vault, error) {
	s, err := newSealer(dk[:])
	if err != nil {
		return nil, err
	}
	v := &Vault{dir: dir, opts: opts, sealer: s, log: opts.logger().With("component", "vault"), dataKey: dk}
	v.guard = newDiskGuard(&opts, dir, v.log)
	v.badgerKey = append([]byte(nil), dk[:]...)
	v.db, err = badger.Open(badgerOptions(dir, v.badgerKey, &opts))
	if err != nil {
		v.wipeKeys()
		return nil, fmt.Errorf("open badger: %w", err)
	}
	if err := v.migrate(); err != nil {
		v.Close()
		return nil, err
	}
	v.startGC()
	return v, nil
}

// ChangePassphrase rewraps the data key under newPass. No data is
// rewritten. The new header replaces the old one with an atomic rename, so a
// crash leaves a vault that opens with either the old or the new passphrase.
func (v *Vault) ChangePassphrase(oldPass, newPass []byte) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed.Load() {
		return fmt.Errorf("change passphrase: %w", ErrClosed)
	}
	h, err := readHeader(v.dir)
	if err != nil {
		return fmt.Errorf("change passphrase: %w", err)
	}
	dk, err := h.unwrapKey(oldPass)
	if err != nil {
		return fmt.Errorf("change passphrase: %w", err)
	}
	same := subtle.ConstantTimeCompare(dk[:], v.dataKey[:]) == 1
	wipe(dk[:])
	if !same {
		return fmt.Errorf("change passphrase: header does not match the open vault: %w", ErrWrongPassphrase)
	}
	nh, err := wrapKey(v.dataKey, newPass, v.opts.kdf(), rand.Reader)
	if err != nil {
		return fmt.Errorf("change passphrase: %w", err)
	}
	if err := writeHeader(v.dir, nh); err != nil {
		return fmt.Errorf("change passphrase: %w", err)
	}
	v.log.Info("vault passphrase changed")
	return nil
}

// Close closes the database and wipes the keys held in memory. It is
// idempotent; later calls return nil. Transactions must have finished.
func (v *Vault) Close() error {
	if v.closed.Swap(true) {
		return nil
	}
	v.stopGC() // before the database it uses
	err := v.db.Close()
	v.mu.Lock()
	v.wipeKeys()
	v.mu.Unlock()
	if err != nil {
		return fmt.Errorf("close vault: %w", err)
	}
	return nil
}

func (v *Vault) wipeKeys() {
	wipe(v.dataKey[:])
	wipe(v.badgerKey)
}
