package e2e

import (
	"crypto/ed25519"
	"crypto/sha256"
)

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
// sender field: over the digest (version 2) or, for envelopes of older
// builds (version 1), over labelEnvelope || the bytes themselves.
func verifyEnvelope(e *envelope) bool {
	if e.version == messageVersionV1 {
		return verify(e.sender, labelEnvelope, e.signed, e.signature)
	}
	m := envelopeSigInput(e.signed)
	return ed25519.Verify(e.sender, m[:], e.signature)
}
