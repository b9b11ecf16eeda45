package e2e

import (
	"regexp"
	"testing"
)

func TestSafetyNumber(t *testing.T) {
	rnd := newDetRand("safety")
	a, _ := NewIdentity(rnd)
	b, _ := NewIdentity(rnd)
	c, _ := NewIdentity(rnd)
	ab, ba := SafetyNumber(a.Public(), b.Public()), SafetyNumber(b.Public(), a.Public())
	if ab.String() != ba.String() || !ab.Equal(ba) || !ab.MatchQR(ba.QR()) {
		t.Fatalf("SafetyNumber not order-independent: %s vs %s", ab, ba)
	}
	if ok, _ := regexp.MatchString(`^(\d{5} ){11}\d{5}$`, ab.String()); !ok {
		t.Fatalf("SafetyNumber = %q, want 12 groups of 5 digits", ab)
	}
	if len(ab.QR()) != SafetyQRLen {
		t.Fatalf("QR() is %d bytes, want %d", len(ab.QR()), SafetyQRLen)
	}
	// A substituted key (a node handing out its own card for @b) differs.
	ac := SafetyNumber(a.Public(), c.Public())
	if ac.String() == ab.String() || ac.MatchQR(ab.QR()) {
		t.Fatal("SafetyNumber unchanged after a key change")
	}
	// Changing only the X25519 half changes it too.
	b2 := b.Public()
	b2.dh = c.Public().dh
	if SafetyNumber(a.Public(), b2).String() == ab.String() {
		t.Fatal("SafetyNumber ignores the X25519 key")
	}
	qr := ab.QR()
	qr[len(qr)-1] ^= 1
	for _, bad := range [][]byte{nil, qr, ab.QR()[:SafetyQRLen-1]} {
		if ab.MatchQR(bad) {
			t.Fatalf("MatchQR(%x) = true", bad)
		}
	}
}
