package e2e

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// lowOrderPoints are the X25519 encodings of small-order points (libsodium's
// blocklist: 0, 1, the two order-8 points, p-1, p, p+1); lowOrder adds each
// with the ignored high bit set.
var lowOrderPoints = []string{
	"0000000000000000000000000000000000000000000000000000000000000000",
	"0100000000000000000000000000000000000000000000000000000000000000",
	"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
	"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
}

func lowOrder(t testing.TB) [][]byte {
	t.Helper()
	var out [][]byte
	for _, h := range lowOrderPoints {
		b, err := hex.DecodeString(h)
		if err != nil {
			t.Fatal(err)
		}
		hi := append([]byte(nil), b...)
		hi[31] |= 0x80
		out = append(out, b, hi)
	}
	return out
}

func TestIdentityRoundTrip(t *testing.T) {
	rnd := newDetRand("identity")
	k, err := NewIdentity(rnd)
	if err != nil {
		t.Fatal(err)
	}
	b, err := k.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	k2, err := UnmarshalIdentity(b)
	if err != nil {
		t.Fatalf("UnmarshalIdentity: %v", err)
	}
	if !k.Equal(k2) || !k.Public().Equal(k2.Public()) || k.Public() != k2.Public() {
		t.Fatal("round trip changed the identity")
	}
	other, _ := NewIdentity(rnd)
	if k.Equal(other) || k.Public().Equal(other.Public()) {
		t.Fatal("different identities compare equal")
	}
	if !bytes.Equal(k.Ed25519().Public().(ed25519.PublicKey), k.Public().Ed25519()) {
		t.Fatal("Ed25519() does not match Public().Ed25519()")
	}
	for _, bad := range [][]byte{nil, {0xff}, b[:len(b)-1]} {
		if _, err := UnmarshalIdentity(bad); err == nil {
			t.Errorf("UnmarshalIdentity(%x) succeeded", bad)
		}
	}
}

func TestPrivateKeyNeverPrinted(t *testing.T) {
	k, _ := NewIdentity(newDetRand("print"))
	seedHex := hex.EncodeToString(k.ed.Seed())
	var logBuf bytes.Buffer
	slog.New(slog.NewTextHandler(&logBuf, nil)).Info("key", "k", k, "v", *k, "pub", k.Public())
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("key", "k", k, "v", *k)
	outs := []string{fmt.Sprint(k), fmt.Sprintf("%v %+v %#v %x %s", k, k, k, k, k),
		fmt.Sprintf("%v %+v %#v %x %s %q", *k, *k, *k, *k, *k, *k), fmt.Sprint([]any{k, *k}), logBuf.String()}
	for _, o := range outs {
		if strings.Contains(o, seedHex) || strings.Contains(o, seedHex[:16]) || !strings.Contains(o, "REDACTED") {
			t.Errorf("private key formatting leaked or lacked REDACTED: %q", o)
		}
	}
	if !strings.Contains(logBuf.String(), k.Public().Fingerprint()) {
		t.Errorf("public key did not log its fingerprint: %q", logBuf.String())
	}
	if len(k.Public().Fingerprint()) != 16 {
		t.Errorf("Fingerprint() = %q, want 16 hex digits", k.Public().Fingerprint())
	}
}

func TestNewIdentityPublicRejectsLowOrder(t *testing.T) {
	k, _ := NewIdentity(newDetRand("pub"))
	x := k.Public().X25519()
	if _, err := NewIdentityPublic(k.Public().Ed25519(), x[:]); err != nil {
		t.Fatalf("NewIdentityPublic(valid) = %v", err)
	}
	for _, p := range lowOrder(t) {
		if _, err := NewIdentityPublic(k.Public().Ed25519(), p); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("NewIdentityPublic(low order %x) = %v, want ErrInvalidKey", p, err)
		}
	}
	if p, err := ParseIdentityPublic(k.Public().Bytes()); err != nil || p != k.Public() {
		t.Errorf("ParseIdentityPublic(Bytes()) = %v, %v", p, err)
	}
	if _, err := ParseIdentityPublic(k.Public().Bytes()[1:]); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("ParseIdentityPublic(63 bytes) = %v", err)
	}
	if _, err := NewIdentityPublic(k.Public().Ed25519()[:31], x[:]); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("short Ed25519 key accepted: %v", err)
	}
}
