package e2e

import (
	"crypto/ed25519"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/crypto/blake2b"
)

// InvitePrefix starts every invite URI.
const InvitePrefix = "parley:"

const (
	inviteVersion     = 1
	inviteHeaderLen   = 3 // version byte + 16-bit big-endian body length
	inviteChecksumLen = 4
	// maxInviteText bounds the text ParseInvite looks at, whitespace included.
	maxInviteText = 16 << 10
)

// inviteEncoding is RFC 4648 base32 in lower case without padding. Its
// alphabet has no 0, 1 or 8, so O/0, l/1 and B/8 cannot be confused.
var inviteEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Invite encodes the signed card as a parley: URI (see doc.go for the layout).
// The text is lower case; ParseInvite also accepts it upper-cased (as QR
// alphanumeric mode produces) and broken over lines.
func (sc SignedCard) Invite() string {
	raw := make([]byte, inviteHeaderLen, inviteHeaderLen+len(sc.body)+len(sc.sig)+inviteChecksumLen)
	raw[0] = inviteVersion
	binary.BigEndian.PutUint16(raw[1:3], uint16(len(sc.body)))
	raw = append(append(raw, sc.body...), sc.sig...)
	raw = append(raw, inviteChecksum(raw)...)
	return InvitePrefix + inviteEncoding.EncodeToString(raw)
}

// inviteChecksum is the first 4 bytes of BLAKE2b-256(label || data).
func inviteChecksum(data []byte) []byte {
	h, _ := blake2b.New256(nil) // cannot fail without a key
	h.Write([]byte(labelInviteChecksum))
	h.Write(data)
	return h.Sum(nil)[:inviteChecksumLen]
}

// ParseInvite decodes an invite made by (SignedCard).Invite and verifies the
// card's signature. Surrounding whitespace, quotes, brackets and
// punctuation, line breaks inside, and letter case are ignored. Errors: ErrInviteMalformed,
// ErrInviteTruncated, ErrInviteChecksum, ErrInviteVersion, ErrBadSignature.
func ParseInvite(s string) (*Card, error) {
	sc, err := ParseInviteSigned(s)
	if err != nil {
		return nil, err
	}
	return &sc.Card, nil
}

// ParseInviteSigned is ParseInvite returning the signed card, for callers
// that pass the card on (for example in a directory).
func ParseInviteSigned(s string) (SignedCard, error) {
	chars, err := inviteChars(s)
	if err != nil {
		return SignedCard{}, err
	}
	raw, err := decodeInvite(chars)
	if err != nil {
		return SignedCard{}, err
	}
	n := len(raw) - ed25519.SignatureSize - inviteChecksumLen
	sc, err := verifyCard(raw[inviteHeaderLen:n], raw[n:n+ed25519.SignatureSize])
	if err != nil {
		return SignedCard{}, fmt.Errorf("parse invite: %w", err)
	}
	return sc, nil
}

// inviteChars strips the prefix and whitespace and lower-cases the rest.
func inviteChars(s string) (string, error) {
	if len(s) > maxInviteText {
		return "", fmt.Errorf("parse invite: %w", ErrInviteMalformed)
	}
	// Copy-paste from chats and mail often brings quotes, brackets or a
	// full stop along; none of them is in the alphabet.
	s = strings.Trim(strings.TrimSpace(s), "\"'`<>()[]{}.,;!? \t\r\n")
	if len(s) < len(InvitePrefix) || !strings.EqualFold(s[:len(InvitePrefix)], InvitePrefix) {
		return "", fmt.Errorf("parse invite: missing %q prefix: %w", InvitePrefix, ErrInviteMalformed)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s[len(InvitePrefix):] {
		switch {
		case unicode.IsSpace(r):
		case r >= 'a' && r <= 'z', r >= '2' && r <= '7':
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			b.WriteRune(unicode.ToLower(r))
		default:
			return "", fmt.Errorf("parse invite: character %q: %w", r, ErrInviteMalformed)
		}
	}
	return b.String(), nil
}

// decodeInvite turns the base32 characters into the checked raw bytes.
func decodeInvite(chars string) ([]byte, error) {
	if len(chars) < 5 { // 5 characters carry the 3 header bytes
		return nil, fmt.Errorf("parse invite: %w", ErrInviteTruncated)
	}
	head, err := inviteEncoding.DecodeString(chars[:5])
	if err != nil {
		return nil, fmt.Errorf("parse invite: %w", ErrInviteMalformed)
	}
	if head[0] != inviteVersion {
		// Every version ends in the same checksum: tell a damaged invite
		// from one made by a newer parley.
		if raw, err := decodeCanonical(chars); err == nil && checksumOK(raw) {
			return nil, fmt.Errorf("parse invite: version %d: %w", head[0], ErrInviteVersion)
		}
		return nil, fmt.Errorf("parse invite: %w", ErrInviteChecksum)
	}
	bodyLen := int(binary.BigEndian.Uint16(head[1:3]))
	total := inviteHeaderLen + bodyLen + ed25519.SignatureSize + inviteChecksumLen
	want := inviteEncoding.EncodedLen(total)
	switch {
	case len(chars) < want:
		return nil, fmt.Errorf("parse invite: %d of %d characters: %w", len(chars), want, ErrInviteTruncated)
	case len(chars) > want || bodyLen > maxCardBodyLen:
		return nil, fmt.Errorf("parse invite: %w", ErrInviteChecksum)
	}
	raw, err := decodeCanonical(chars)
	if err != nil || !checksumOK(raw) {
		return nil, fmt.Errorf("parse invite: %w", ErrInviteChecksum)
	}
	return raw, nil
}

// decodeCanonical decodes chars and insists that they are the one encoding of
// the result (no stray bits in the last character).
func decodeCanonical(chars string) ([]byte, error) {
	raw, err := inviteEncoding.DecodeString(chars)
	if err != nil {
		return nil, err
	}
	if inviteEncoding.EncodeToString(raw) != chars {
		return nil, ErrInviteChecksum
	}
	return raw, nil
}

func checksumOK(raw []byte) bool {
	if len(raw) < inviteHeaderLen+inviteChecksumLen {
		return false
	}
	n := len(raw) - inviteChecksumLen
	return subtle.ConstantTimeCompare(inviteChecksum(raw[:n]), raw[n:]) == 1
}
