package vault

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"golang.org/x/crypto/nacl/secretbox"
)

// Header file layout (version 1, 140 bytes, big endian); see doc.go.
const (
	headerName    = "vault.header"
	headerTmpName = "vault.header.tmp"
	headerMagic   = "PARLEYVT"
	headerVersion = 1
	kdfArgon2id   = 1

	saltSize    = 16
	nonceSize   = 24
	dataKeySize = 32
	wrappedSize = dataKeySize + secretbox.Overhead // 48
	sumOffset   = 108
	headerSize  = sumOffset + sha256.Size // 140
)

// header is the decoded header file: how to turn the passphrase into the
// key-encryption key, and the data key wrapped under it.
type header struct {
	kdf     KDF
	salt    [saltSize]byte
	nonce   [nonceSize]byte
	wrapped [wrappedSize]byte
}

// encode returns the header bytes, checksum included.
func (h *header) encode() []byte {
	b := make([]byte, 0, headerSize)
	b = append(b, headerMagic...)
	b = binary.BigEndian.AppendUint16(b, headerVersion)
	b = append(b, kdfArgon2id, h.kdf.Threads)
	b = binary.BigEndian.AppendUint32(b, h.kdf.Time)
	b = binary.BigEndian.AppendUint32(b, h.kdf.Memory)
	b = append(b, h.salt[:]...)
	b = append(b, h.nonce[:]...)
	b = append(b, h.wrapped[:]...)
	sum := sha256.Sum256(b)
	return append(b, sum[:]...)
}

// decodeHeader parses and checks a header. Every failure wraps
// ErrCorruptHeader; it never panics on any input.
func decodeHeader(b []byte) (*header, error) {
	if len(b) != headerSize {
		return nil, fmt.Errorf("%w: %d bytes, want %d", ErrCorruptHeader, len(b), headerSize)
	}
	if string(b[:8]) != headerMagic {
		return nil, fmt.Errorf("%w: bad magic", ErrCorruptHeader)
	}
	sum := sha256.Sum256(b[:sumOffset])
	if !bytes.Equal(sum[:], b[sumOffset:]) {
		return nil, fmt.Errorf("%w: checksum mismatch", ErrCorruptHeader)
	}
	if v := binary.BigEndian.Uint16(b[8:10]); v != headerVersion {
		return nil, fmt.Errorf("%w: unknown version %d", ErrCorruptHeader, v)
	}
	if b[10] != kdfArgon2id {
		return nil, fmt.Errorf("%w: unknown kdf %d", ErrCorruptHeader, b[10])
	}
	h := &header{kdf: KDF{
		Threads: b[11],
		Time:    binary.BigEndian.Uint32(b[12:16]),
		Memory:  binary.BigEndian.Uint32(b[16:20]),
	}}
	if err := h.kdf.validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorruptHeader, err)
	}
	copy(h.salt[:], b[20:36])
	copy(h.nonce[:], b[36:60])
	copy(h.wrapped[:], b[60:sumOffset])
	return h, nil
}

// wrapKey seals dataKey under a key derived from passphrase with fresh salt
// and nonce from rnd.
func wrapKey(dataKey *[dataKeySize]byte, passphrase []byte, kdf KDF, rnd io.Reader) (*header, error) {
	if err := kdf.validate(); err != nil {
		return nil, fmt.Errorf("kdf parameters: %w", err)
	}
	h := &header{kdf: kdf}
	if _, err := io.ReadFull(rnd, h.salt[:]); err != nil {
		return nil, fmt.Errorf("read salt: %w", err)
	}
	if _, err := io.ReadFull(rnd, h.nonce[:]); err != nil {
		return nil, fmt.Errorf("read nonce: %w", err)
	}
	kek := kdf.derive(passphrase, h.salt[:])
	defer wipe(kek[:])
	secretbox.Seal(h.wrapped[:0], dataKey[:], &h.nonce, kek)
	return h, nil
}

// unwrapKey returns the data key, or ErrWrongPassphrase.
func (h *header) unwrapKey(passphrase []byte) (*[dataKeySize]byte, error) {
	kek := h.kdf.derive(passphrase, h.salt[:])
	defer wipe(kek[:])
	var dk [dataKeySize]byte
	if _, ok := secretbox.Open(dk[:0], h.wrapped[:], &h.nonce, kek); !ok {
		return nil, ErrWrongPassphrase
	}
	return &dk, nil
}

// readHeader loads the header of the vault in dir.
func readHeader(dir string) (*header, error) {
	b, err := os.ReadFile(filepath.Join(dir, headerName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNoVault
	}
	if err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	return decodeHeader(b)
}

// writeHeader replaces the header atomically: write a temp file, fsync it,
// rename it over the header, fsync the directory. A crash at any point
// leaves either the old or the new header in place, never a mix.
func writeHeader(dir string, h *header) error {
	tmp := filepath.Join(dir, headerTmpName)
	if err := writeSynced(tmp, h.encode()); err != nil {
		return fmt.Errorf("write header: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, headerName)); err != nil {
		return fmt.Errorf("write header: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("write header: %w", err)
	}
	return nil
}

// writeSynced creates (or truncates) name with data and fsyncs it.
func writeSynced(name string, data []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// syncDir makes a rename in dir durable. Windows cannot fsync a directory
// (and does not need to); there it is a no-op.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	if err := d.Sync(); err != nil {
		d.Close()
		return err
	}
	return d.Close()
}
