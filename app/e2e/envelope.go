package e2e

import (
	"crypto/ed25519"
	"fmt"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"
)

// Kind says what an envelope carries.
type Kind uint8

// Envelope kinds.
const (
	KindMessage Kind = 1 // a double-ratchet message between friends
	KindRequest Kind = 2 // a friend request (anonymous sealed box)
	KindAccept  Kind = 3 // the acceptance of a friend request (anonymous sealed box)
)

// Size limits.
const (
	// MaxPlaintextSize is the largest plaintext (*Session).Seal accepts.
	MaxPlaintextSize = 256 << 10
	// MaxEnvelopeSize bounds every envelope this package makes, of any
	// kind; transports may refuse anything larger before reading it.
	MaxEnvelopeSize = MaxPlaintextSize + 1024
)

// String names the kind for logs.
func (k Kind) String() string {
	switch k {
	case KindMessage:
		return "message"
	case KindRequest:
		return "request"
	case KindAccept:
		return "accept"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Envelope versions, per kind. Messages: version 3 seals with
// ChaCha20-Poly1305; version 2 sealed with NaCl secretbox and version 1 also
// signed the envelope bytes themselves rather than a SHA-256 digest of them
// (see doc.go); both are still opened. Requests and accepts: version 2 pads
// the signed body inside the sealed box; version 1 did not and is refused.
const (
	messageVersionV1 = 1
	messageVersionV2 = 2
	messageVersionV3 = 3
	messageVersion   = messageVersionV3
	sealedVersion    = 2
)

// version is the envelope version this package writes for k.
func (k Kind) version() uint64 {
	if k == KindRequest || k == KindAccept {
		return sealedVersion
	}
	return messageVersion
}

// acceptsVersion reports whether an envelope of kind k and version v is
// opened.
func (k Kind) acceptsVersion(v uint64) bool {
	return v == k.version() || (k == KindMessage && (v == messageVersionV1 || v == messageVersionV2))
}

// Envelope field numbers (see wire.proto).
const (
	fVersion    = 1
	fKind       = 2
	fSender     = 3
	fHeader     = 4
	fCiphertext = 5
	fSignature  = 6
)

// envelope is a parsed envelope; its slices alias the input.
type envelope struct {
	version    uint8
	kind       Kind
	sender     []byte
	header     []byte
	ciphertext []byte
	signature  []byte
	signed     []byte // every byte before the signature field
}

// appendEnvelopeHead appends the version, kind, sender and header fields in
// the canonical protobuf encoding (field order, proto3 zero values omitted),
// the same bytes proto.Marshal writes for Envelope.
func appendEnvelopeHead(b []byte, kind Kind, sender, header []byte) []byte {
	b = protowire.AppendTag(b, fVersion, protowire.VarintType)
	b = protowire.AppendVarint(b, kind.version())
	b = protowire.AppendTag(b, fKind, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(kind))
	if len(sender) > 0 {
		b = protowire.AppendTag(b, fSender, protowire.BytesType)
		b = protowire.AppendBytes(b, sender)
	}
	if len(header) > 0 {
		b = protowire.AppendTag(b, fHeader, protowire.BytesType)
		b = protowire.AppendBytes(b, header)
	}
	return b
}

// appendCiphertextTag appends the tag and length of a ciphertext of n bytes.
func appendCiphertextTag(b []byte, n int) []byte {
	b = protowire.AppendTag(b, fCiphertext, protowire.BytesType)
	return protowire.AppendVarint(b, uint64(n))
}

// appendSignature appends the signature field.
func appendSignature(b, sig []byte) []byte {
	b = protowire.AppendTag(b, fSignature, protowire.BytesType)
	return protowire.AppendBytes(b, sig)
}

// sealedEnvelope wraps an anonymous sealed box (request or accept).
func sealedEnvelope(kind Kind, box []byte) []byte {
	b := make([]byte, 0, len(box)+16)
	b = appendEnvelopeHead(b, kind, nil, nil)
	b = appendCiphertextTag(b, len(box))
	return append(b, box...)
}

// parseEnvelope decodes an envelope strictly: known fields only, each at most
// once, in field-number order, the signature (if any) last.
func parseEnvelope(b []byte) (envelope, error) {
	var e envelope
	if len(b) > MaxEnvelopeSize {
		return e, ErrTooLarge
	}
	var version uint64
	last := protowire.Number(0)
	for off := 0; off < len(b); {
		num, typ, n := protowire.ConsumeTag(b[off:])
		if n < 0 || num <= last || num > fSignature {
			return e, ErrMalformed
		}
		start := off
		off += n
		last = num
		if num <= fKind {
			if typ != protowire.VarintType {
				return e, ErrMalformed
			}
			v, m := protowire.ConsumeVarint(b[off:])
			if m < 0 || v > 255 {
				return e, ErrMalformed
			}
			off += m
			if num == fVersion {
				version = v
			} else {
				e.kind = Kind(v)
			}
			continue
		}
		if typ != protowire.BytesType {
			return e, ErrMalformed
		}
		v, m := protowire.ConsumeBytes(b[off:])
		if m < 0 {
			return e, ErrMalformed
		}
		off += m
		switch num {
		case fSender:
			e.sender = v
		case fHeader:
			e.header = v
		case fCiphertext:
			e.ciphertext = v
		case fSignature:
			e.signature, e.signed = v, b[:start]
		}
	}
	if !e.kind.acceptsVersion(version) {
		return e, ErrMalformed
	}
	e.version = uint8(version)
	return e, e.check()
}

// check enforces which fields each kind carries.
func (e *envelope) check() error {
	switch e.kind {
	case KindMessage:
		if len(e.sender) != ed25519.PublicKeySize || len(e.header) == 0 ||
			len(e.signature) != ed25519.SignatureSize {
			return ErrMalformed
		}
	case KindRequest, KindAccept:
		if e.sender != nil || e.header != nil || e.signature != nil || len(e.ciphertext) == 0 {
			return ErrMalformed
		}
	default:
		return ErrMalformed
	}
	return nil
}

// PeekSender reads an envelope's kind and, for KindMessage, the sender's
// Ed25519 public key (a copy), so that the caller can find the session to open
// it with. It verifies nothing: the sender is only a claim until
// (*Session).Open has checked the signature. Requests and accepts are
// anonymous and return a nil key.
func PeekSender(b []byte) (ed25519.PublicKey, Kind, error) {
	e, err := parseEnvelope(b)
	if err != nil {
		return nil, 0, fmt.Errorf("peek envelope: %w", err)
	}
	if e.kind != KindMessage {
		return nil, e.kind, nil
	}
	return append(ed25519.PublicKey(nil), e.sender...), e.kind, nil
}
