package e2e

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"github.com/parley-chat/parley/app/e2e/internal/wirepb"
	"io"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/curve25519"
	"golang.org/x/crypto/hkdf"
	"golang.org/x/crypto/nacl/box"
	"google.golang.org/protobuf/proto"
)

// MaxGreetingLen bounds a friend request's greeting, in bytes of UTF-8.
const MaxGreetingLen = 1024

// maxSigned bounds the signed request or accept inside a sealed box.
const maxSigned = 2*maxSignedCard + MaxGreetingLen + 256

// RequestID identifies one friend request (16 random bytes).
type RequestID [16]byte

// ephemeral is a one-time X25519 key pair of the handshake.
type ephemeral struct {
	priv, pub [32]byte
}

func newEphemeral(rand io.Reader) (ephemeral, error) {
	var e ephemeral
	if _, err := io.ReadFull(rand, e.priv[:]); err != nil {
		return e, fmt.Errorf("ephemeral key: %w", err)
	}
	pub, err := curve25519.X25519(e.priv[:], curve25519.Basepoint)
	if err != nil {
		return e, fmt.Errorf("ephemeral key: %w", err)
	}
	copy(e.pub[:], pub)
	return e, nil
}

// handshakeSecret derives the shared secret from the four X25519 results in
// role order (IKa·IKb, IKa·EKb, EKa·IKb, EKa·EKb; a = requester):
// HKDF-SHA256(ikm = dh1||dh2||dh3||dh4, info = label || Ed25519 a || Ed25519 b).
func handshakeSecret(dhs [4][]byte, ad *[64]byte) [32]byte {
	ikm := make([]byte, 0, 4*keyLen)
	for _, d := range dhs {
		ikm = append(ikm, d...)
		clear(d)
	}
	info := append([]byte(labelHandshake), ad[:]...)
	var sk [32]byte
	_, _ = io.ReadFull(hkdf.New(sha256.New, ikm, nil, info), sk[:])
	clear(ikm)
	return sk
}

// x25519All computes the DH of each (scalar, point) pair, failing on any
// low-order or all-zero point.
func x25519All(pairs [4][2][]byte) ([4][]byte, error) {
	var out [4][]byte
	for i, p := range pairs {
		d, err := curve25519.X25519(p[0], p[1])
		if err != nil {
			return out, fmt.Errorf("handshake: %w", ErrInvalidKey)
		}
		out[i] = d
	}
	return out, nil
}

// signedMessage builds the sealed box plaintext: Signed{body, signature}.
func signedMessage(me *IdentityPrivate, label string, body proto.Message) ([]byte, error) {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(body)
	if err != nil {
		return nil, err
	}
	return proto.MarshalOptions{Deterministic: true}.Marshal(&wirepb.Signed{Body: b, Signature: me.sign(label, b)})
}

// openSealed opens a request or accept envelope addressed to me and returns
// the Signed message inside. The ephemeral key of the sealed box is checked
// with curve25519.X25519 before box.OpenAnonymous uses it.
func openSealed(me *IdentityPrivate, kind Kind, b []byte) (*wirepb.Signed, error) {
	e, err := parseEnvelope(b)
	if err != nil || e.kind != kind {
		return nil, ErrDecrypt
	}
	if len(e.ciphertext) < box.AnonymousOverhead || len(e.ciphertext) > maxSealedBox ||
		!validX25519(e.ciphertext[:keyLen]) {
		return nil, ErrDecrypt
	}
	padded, ok := box.OpenAnonymous(nil, e.ciphertext, &me.pub.dh, &me.dh)
	if !ok {
		return nil, ErrDecrypt
	}
	plain, ok := unpad(padded)
	if !ok || len(padded) != paddedLen(len(plain)) {
		return nil, ErrMalformed
	}
	var s wirepb.Signed
	if err := proto.Unmarshal(plain, &s); err != nil {
		return nil, ErrMalformed
	}
	return &s, nil
}

// maxSealedBox bounds the sealed box of a request or accept: the largest
// signed message, padded, plus the box's ephemeral key and tag.
var maxSealedBox = paddedLen(maxSigned) + box.AnonymousOverhead

// sealTo pads the signed message to its size bucket (as messages are, so
// the node learns only the bucket, not the greeting or card length) and
// seals it to the peer's X25519 identity key.
func sealTo(rand io.Reader, to IdentityPublic, kind Kind, signed []byte) ([]byte, error) {
	if !validX25519(to.dh[:]) {
		return nil, ErrInvalidKey
	}
	if len(signed) > maxSigned {
		return nil, ErrTooLarge
	}
	padded := pad(nil, signed)
	bx, err := box.SealAnonymous(nil, padded, &to.dh, rand)
	clear(padded)
	if err != nil {
		return nil, err
	}
	return sealedEnvelope(kind, bx), nil
}

// checkMyCard makes sure the card we send is ours.
func checkMyCard(me *IdentityPrivate, c SignedCard) error {
	if c.body == nil || !c.Card.Identity.Equal(me.pub) {
		return ErrIdentityMismatch
	}
	return nil
}

// checkedEphemeral copies a peer's ephemeral key, refusing bad points.
func checkedEphemeral(b []byte) ([32]byte, error) {
	var k [32]byte
	if !validX25519(b) {
		return k, ErrInvalidKey
	}
	copy(k[:], b)
	return k, nil
}

// verifySigned checks the signed body against the card embedded in it.
func verifySigned(s *wirepb.Signed, label string, cardBytes []byte) (SignedCard, error) {
	sc, err := ParseSignedCard(cardBytes)
	if err != nil {
		return SignedCard{}, err
	}
	if len(s.Signature) != ed25519.SignatureSize || !verify(sc.Card.Identity.ed[:], label, s.Body, s.Signature) {
		return SignedCard{}, ErrBadSignature
	}
	return sc, nil
}

// isMe reports whether b is my Ed25519 public key.
func isMe(me *IdentityPrivate, b []byte) bool { return bytes.Equal(b, me.pub.ed[:]) }

func checkGreeting(g string) error {
	if len(g) > MaxGreetingLen {
		return ErrTooLarge
	}
	if !utf8.ValidString(g) {
		return ErrMalformed
	}
	return nil
}

func unixMilli(t time.Time) time.Time { return time.UnixMilli(t.UnixMilli()).UTC() }

func x25519(priv, pub *[32]byte) ([]byte, error) {
	out, err := curve25519.X25519(priv[:], pub[:])
	if err != nil {
		return nil, ErrInvalidKey
	}
	return out, nil
}
