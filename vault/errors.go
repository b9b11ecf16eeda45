package vault

import "errors"

// Sentinel errors. Callers check them with errors.Is; the returned errors wrap
// them with the operation that failed.
var (
	// ErrNotFound means the requested record does not exist.
	ErrNotFound = errors.New("vault: not found")
	// ErrWrongPassphrase means the passphrase does not unwrap the data key.
	// Badger is never opened in that case.
	ErrWrongPassphrase = errors.New("vault: wrong passphrase")
	// ErrNoVault means the directory holds no vault header.
	ErrNoVault = errors.New("vault: no vault in directory")
	// ErrCorruptHeader means the header file exists but is truncated,
	// altered or of an unknown format.
	ErrCorruptHeader = errors.New("vault: corrupt header")
	// ErrExists means Create found an existing vault or database files.
	ErrExists = errors.New("vault: directory already holds a vault")
	// ErrIntegrity means a stored value failed authentication: it was altered
	// on disk or moved under another key.
	ErrIntegrity = errors.New("vault: record integrity check failed")
	// ErrClosed means the vault was used after Close.
	ErrClosed = errors.New("vault: closed")
	// ErrDiskFull means Update refused to write because the data directory's
	// file system is nearly full. Nothing was written; the same Update
	// succeeds once space is freed. Errors carrying it also match
	// syscall.ENOSPC.
	ErrDiskFull = errors.New("vault: disk full")
	// ErrNewerSchema means the vault was written by a newer parley whose
	// schema this build does not know.
	ErrNewerSchema = errors.New("vault: schema is newer than this build")
)
