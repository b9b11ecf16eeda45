package e2e

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"

	voi "github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
)

// VerifyEd25519 reports whether sig is pub's Ed25519 signature of msg, with
// exactly the rules of crypto/ed25519.Verify (voi.VerifyOptionsStdLib: the
// cofactorless equation, S < L, any encoding of A that decodes, small-order
// A and R allowed): a signature is accepted here if and only if the
// standard library accepts it (FuzzVerifyEd25519 compares the two). Every
// signature check in this package goes through it (or a Verifier), and the
// bench's baselines use it, so that they measure the primitive parley uses.
//
// Why not crypto/ed25519 itself: verification is the largest single cost of
// receiving a message (≈ 40 of ≈ 220 µs of CPU per message in scenario 3 of
// `go run ./bench`), and curve25519-voi's verification (its curve25519-dalek
// derived field arithmetic, with the variable-time double-scalar
// multiplication a public-key check may use) takes ≈ 28 µs where the
// standard library's takes ≈ 40 µs on this machine. Signing stays with
// crypto/ed25519: it handles the secret key, and it is not the bottleneck.
func VerifyEd25519(pub ed25519.PublicKey, msg, sig []byte) bool {
	if len(pub) != ed25519.PublicKeySize {
		return false // crypto/ed25519.Verify panics here; peers never make us panic
	}
	return voi.VerifyWithOptions(voi.PublicKey(pub), msg, sig, verifyOptions)
}

// verifyOptions are crypto/ed25519's verification rules (see VerifyEd25519).
var verifyOptions = &voi.Options{Verify: voi.VerifyOptionsStdLib}

// Verifier checks the signatures of one key with VerifyEd25519's rules,
// having decoded the key once (a point decompression, ≈ 15 % of a check)
// rather than for every envelope: for a batch of envelopes from one friend.
// It is safe for concurrent use; the zero value is not usable.
type Verifier struct {
	pub ed25519.PublicKey
	epk *voi.ExpandedPublicKey // nil: pub is not a point, nothing verifies
}

// NewVerifier returns a Verifier of pub's signatures.
func NewVerifier(pub ed25519.PublicKey) *Verifier {
	v := &Verifier{pub: bytes.Clone(pub)}
	if len(pub) == ed25519.PublicKeySize {
		v.epk, _ = voi.NewExpandedPublicKey(voi.PublicKey(pub))
	}
	return v
}

// check is VerifyEd25519 for v's key: a signature by any other key pub is
// refused.
func (v *Verifier) check(pub ed25519.PublicKey, msg, sig []byte) bool {
	return v.epk != nil && bytes.Equal(pub, v.pub) &&
		voi.VerifyExpandedWithOptions(v.epk, msg, sig, verifyOptions)
}

// sigCheck is VerifyEd25519 or a Verifier's check.
type sigCheck func(pub ed25519.PublicKey, msg, sig []byte) bool

// Envelope signatures (version 2): Ed25519 signs a 32-byte digest of the
// envelope instead of the envelope itself, so a large message is hashed
// once on each side (SHA-256, hardware-accelerated on current amd64 and
// arm64) instead of three times with SHA-512 inside Ed25519 (twice to sign,
// once to verify). See doc.go for why this is as strong.

// envelopeDigest is SHA-256(labelEnvelopeDigest || signed), where signed is
// every envelope byte before the signature field.
func envelopeDigest(signed []byte) [sha256.Size]byte {
	h := sha256.New()
	h.Write([]byte(labelEnvelopeDigest))
	h.Write(signed)
	var d [sha256.Size]byte
	h.Sum(d[:0])
	return d
}

// envelopeSigInput is the Ed25519 message of a version 2 envelope:
// labelEnvelopeSigned || envelopeDigest(signed).
func envelopeSigInput(signed []byte) [len(labelEnvelopeSigned) + sha256.Size]byte {
	var m [len(labelEnvelopeSigned) + sha256.Size]byte
	copy(m[:], labelEnvelopeSigned)
	d := envelopeDigest(signed)
	copy(m[len(labelEnvelopeSigned):], d[:])
	return m
}

// signEnvelope signs the bytes of a version 2 envelope before its
// signature field.
func (k *IdentityPrivate) signEnvelope(signed []byte) []byte {
	m := envelopeSigInput(signed)
	return ed25519.Sign(k.ed, m[:])
}

// verifyEnvelope checks a parsed KindMessage envelope's signature by its
// sender field with check: over the digest (version 2) or, for envelopes of
// older builds (version 1), over labelEnvelope || the bytes themselves.
func verifyEnvelope(e *envelope, check sigCheck) bool {
	if e.version == messageVersionV1 {
		return verifyWith(check, e.sender, labelEnvelope, e.signed, e.signature)
	}
	m := envelopeSigInput(e.signed)
	return check(e.sender, m[:], e.signature)
}

// VerifyMessage is the package's VerifyMessage for an envelope whose sender
// field is v's key; an envelope from anyone else returns ErrDecrypt.
func (v *Verifier) VerifyMessage(b []byte) (Checked, error) {
	return checkMessage(b, v.check)
}

// checkMessage parses a KindMessage envelope and checks its signature by
// the sender key it carries with check.
func checkMessage(b []byte, check sigCheck) (Checked, error) {
	e, err := parseEnvelope(b)
	if err != nil || e.kind != KindMessage || !verifyEnvelope(&e, check) {
		return Checked{}, ErrDecrypt
	}
	return Checked{e: e, ok: true}, nil
}
