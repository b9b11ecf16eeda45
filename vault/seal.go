package vault

import (
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"
)

// recordLabel is the HKDF info string of the record-sealing subkey.
const recordLabel = "parley/v1/vault-record"

// recordVersion is the first byte of every sealed value.
const recordVersion = 1

// recordOverhead is what sealing adds to a value: version, nonce, tag.
const recordOverhead = 1 + chacha20poly1305.NonceSizeX + chacha20poly1305.Overhead

// sealer seals and opens stored values with XChaCha20-Poly1305 under a
// subkey of the data key. The record's Badger key is the associated data, so
// a value moved to another key does not open. Safe for concurrent use.
type sealer struct {
	aead cipher.AEAD
}

// newSealer derives the record subkey from the data key.
func newSealer(dataKey []byte) (*sealer, error) {
	sub, err := hkdf.Key(sha256.New, dataKey, nil, recordLabel, chacha20poly1305.KeySize)
	if err != nil {
		return nil, fmt.Errorf("derive record key: %w", err)
	}
	defer wipe(sub)
	aead, err := chacha20poly1305.NewX(sub)
	if err != nil {
		return nil, fmt.Errorf("record cipher: %w", err)
	}
	return &sealer{aead: aead}, nil
}

// sealHead is the length of what a sealed value starts with: version and
// nonce.
const sealHead = 1 + chacha20poly1305.NonceSizeX

// seal returns version || random nonce || ciphertext+tag of plain, bound to key.
func (s *sealer) seal(key, plain []byte) []byte {
	return s.sealTail(key, sealBuffer(len(plain)), plain)
}

// sealBuffer returns an empty value of sealHead bytes with room for n bytes of
// plaintext and the tag: append the plaintext to it and pass it to
// sealInPlace.
func sealBuffer(n int) []byte {
	return make([]byte, sealHead, recordOverhead+n)
}

// sealInPlace seals buf[sealHead:], the plaintext appended to a sealBuffer,
// over itself: one allocation per value instead of two, and the plaintext
// does not outlive the call.
func (s *sealer) sealInPlace(key, buf []byte) []byte {
	return s.sealTail(key, buf[:sealHead], buf[sealHead:])
}

// sealTail writes the version and a random nonce into head (sealHead bytes)
// and appends the ciphertext+tag of plain. plain is either elsewhere or
// exactly where the ciphertext goes (AEAD in place).
func (s *sealer) sealTail(key, head, plain []byte) []byte {
	head[0] = recordVersion
	rand.Read(head[1:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	return s.aead.Seal(head, head[1:], plain, associated(key))
}

// open authenticates and decrypts a sealed value stored under key. Any
// failure is ErrIntegrity.
func (s *sealer) open(key, sealed []byte) ([]byte, error) {
	if len(sealed) < recordOverhead || sealed[0] != recordVersion {
		return nil, ErrIntegrity
	}
	nonce := sealed[1:sealHead]
	ct := sealed[sealHead:]
	plain, err := s.aead.Open(nil, nonce, ct, associated(key))
	if err != nil {
		return nil, ErrIntegrity
	}
	return plain, nil
}

// associated is the AEAD associated data: the record format version and the
// Badger key.
func associated(key []byte) []byte {
	ad := make([]byte, 0, 1+len(key))
	return append(append(ad, recordVersion), key...)
}
