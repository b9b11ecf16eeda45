package e2e

import (
	"crypto/ed25519"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"github.com/parley-chat/parley/app/e2e/internal/wirepb"
	"io"
	"log/slog"

	"golang.org/x/crypto/blake2b"
	"golang.org/x/crypto/curve25519"
	"google.golang.org/protobuf/proto"
)

const keyLen = 32

// IdentityPrivate is a user's long-term private identity: an Ed25519 signing
// key (also the libp2p peer identity) and an X25519 identity DH key. It has no
// String method and logs as "REDACTED". The zero value is not usable; make one
// with NewIdentity or UnmarshalIdentity. It is safe for concurrent reads.
type IdentityPrivate struct {
	ed  ed25519.PrivateKey // 64 bytes: seed || public
	dh  [keyLen]byte       // X25519 scalar
	pub IdentityPublic
}

// IdentityPublic is the public half of an identity: an Ed25519 public key and
// an X25519 public key. It is a comparable value type; the zero value means
// "no key" (see IsZero).
type IdentityPublic struct {
	ed [keyLen]byte
	dh [keyLen]byte
}

// NewIdentity makes a new identity from rand (crypto/rand.Reader in
// production; a deterministic reader in tests).
func NewIdentity(rand io.Reader) (*IdentityPrivate, error) {
	var seed, dh [keyLen]byte
	if _, err := io.ReadFull(rand, seed[:]); err != nil {
		return nil, fmt.Errorf("new identity: %w", err)
	}
	if _, err := io.ReadFull(rand, dh[:]); err != nil {
		return nil, fmt.Errorf("new identity: %w", err)
	}
	k, err := identityFromParts(seed[:], dh[:])
	clear(seed[:])
	clear(dh[:])
	return k, err
}

func identityFromParts(seed, dh []byte) (*IdentityPrivate, error) {
	if len(seed) != ed25519.SeedSize || len(dh) != keyLen {
		return nil, fmt.Errorf("identity: %w", ErrMalformed)
	}
	k := &IdentityPrivate{ed: ed25519.NewKeyFromSeed(seed)}
	copy(k.dh[:], dh)
	dhPub, err := curve25519.X25519(k.dh[:], curve25519.Basepoint)
	if err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	copy(k.pub.ed[:], k.ed[32:])
	copy(k.pub.dh[:], dhPub)
	return k, nil
}

// UnmarshalIdentity decodes a private identity made by MarshalBinary.
func UnmarshalIdentity(b []byte) (*IdentityPrivate, error) {
	var st wirepb.IdentityState
	if err := proto.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("unmarshal identity: %w", ErrMalformed)
	}
	if st.Version != 1 {
		return nil, fmt.Errorf("unmarshal identity: version %d: %w", st.Version, ErrMalformed)
	}
	k, err := identityFromParts(st.Ed25519Seed, st.X25519Private)
	clear(st.Ed25519Seed)
	clear(st.X25519Private)
	if err != nil {
		return nil, fmt.Errorf("unmarshal identity: %w", err)
	}
	return k, nil
}

// MarshalBinary encodes the private identity for the vault. The result is
// secret: store it only sealed.
func (k *IdentityPrivate) MarshalBinary() ([]byte, error) {
	st := &wirepb.IdentityState{Version: 1, Ed25519Seed: k.ed.Seed(), X25519Private: k.dh[:]}
	return proto.MarshalOptions{Deterministic: true}.Marshal(st)
}

// Public returns the public half.
func (k *IdentityPrivate) Public() IdentityPublic { return k.pub }

// Ed25519 returns the Ed25519 signing key (the app makes the libp2p identity
// from it). The returned slice is a copy.
func (k *IdentityPrivate) Ed25519() ed25519.PrivateKey {
	return append(ed25519.PrivateKey(nil), k.ed...)
}

// Equal reports in constant time whether k and o are the same identity.
func (k *IdentityPrivate) Equal(o *IdentityPrivate) bool {
	if k == nil || o == nil {
		return k == o
	}
	a := subtle.ConstantTimeCompare(k.ed, o.ed)
	b := subtle.ConstantTimeCompare(k.dh[:], o.dh[:])
	return a&b == 1
}

// LogValue implements slog.LogValuer: private keys never reach a log.
// It has a value receiver so that a copied IdentityPrivate is covered too.
func (k IdentityPrivate) LogValue() slog.Value { return slog.StringValue("REDACTED") }

// GoString keeps %#v from printing key bytes.
func (k IdentityPrivate) GoString() string { return "e2e.IdentityPrivate{REDACTED}" }

// Format keeps every fmt verb from printing key bytes.
func (k IdentityPrivate) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, "REDACTED") }

// sign signs prefix || msg.
func (k *IdentityPrivate) sign(prefix string, msg []byte) []byte {
	buf := make([]byte, 0, len(prefix)+len(msg))
	buf = append(append(buf, prefix...), msg...)
	return ed25519.Sign(k.ed, buf)
}

// NewIdentityPublic makes an IdentityPublic from raw keys, rejecting wrong
// lengths and low-order or all-zero X25519 keys.
func NewIdentityPublic(ed, x []byte) (IdentityPublic, error) {
	var p IdentityPublic
	if len(ed) != ed25519.PublicKeySize || len(x) != keyLen {
		return p, ErrInvalidKey
	}
	copy(p.ed[:], ed)
	copy(p.dh[:], x)
	if !validX25519(p.dh[:]) {
		return IdentityPublic{}, ErrInvalidKey
	}
	return p, nil
}

// IdentityPublicSize is the length of (IdentityPublic).Bytes.
const IdentityPublicSize = 2 * keyLen

// Bytes returns the Ed25519 key followed by the X25519 key (64 bytes): the
// form to pin a contact by.
func (p IdentityPublic) Bytes() []byte {
	return append(append(make([]byte, 0, IdentityPublicSize), p.ed[:]...), p.dh[:]...)
}

// ParseIdentityPublic is the inverse of Bytes; it rejects wrong lengths and
// unusable X25519 keys.
func ParseIdentityPublic(b []byte) (IdentityPublic, error) {
	if len(b) != IdentityPublicSize {
		return IdentityPublic{}, ErrInvalidKey
	}
	return NewIdentityPublic(b[:keyLen], b[keyLen:])
}

// Ed25519 returns the Ed25519 public key (a copy).
func (p IdentityPublic) Ed25519() ed25519.PublicKey {
	return append(ed25519.PublicKey(nil), p.ed[:]...)
}

// X25519 returns the X25519 identity DH public key.
func (p IdentityPublic) X25519() [32]byte { return p.dh }

// IsZero reports whether p is the zero value.
func (p IdentityPublic) IsZero() bool { return p == IdentityPublic{} }

// Equal reports in constant time whether p and o are the same keys.
func (p IdentityPublic) Equal(o IdentityPublic) bool {
	a := subtle.ConstantTimeCompare(p.ed[:], o.ed[:])
	b := subtle.ConstantTimeCompare(p.dh[:], o.dh[:])
	return a&b == 1
}

// Fingerprint is a short, stable, non-secret label for logs and debugging:
// 16 hex digits of BLAKE2b-256 over both public keys. It is not a safety
// number; never use it to decide trust.
func (p IdentityPublic) Fingerprint() string {
	h := blake2b.Sum256(append(p.ed[:], p.dh[:]...))
	return hex.EncodeToString(h[:8])
}

// String returns the fingerprint.
func (p IdentityPublic) String() string { return p.Fingerprint() }

// LogValue implements slog.LogValuer with the fingerprint.
func (p IdentityPublic) LogValue() slog.Value { return slog.StringValue(p.Fingerprint()) }

// validX25519 reports whether pub is a usable peer X25519 key: curve25519.X25519
// refuses low-order points (and so the all-zero key) with an error.
func validX25519(pub []byte) bool {
	if len(pub) != keyLen {
		return false
	}
	_, err := curve25519.X25519(checkScalar[:], pub)
	return err == nil
}

// checkScalar is a fixed non-secret scalar used only to test points.
var checkScalar = [keyLen]byte{1: 1, 31: 0x40}
