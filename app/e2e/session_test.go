package e2e

import (
	"bytes"
	"testing"
)

func TestConversationBasic(t *testing.T) {
	_, _, sa, sb, rnd := pair(t, "basic")
	// Bob (acceptor) can send first; so can Alice.
	mustOpen(t, sa, mustSeal(t, sb, rnd, "b1"), "b1")
	mustOpen(t, sb, mustSeal(t, sa, rnd, "a1"), "a1")
	mustOpen(t, sb, mustSeal(t, sa, rnd, "a2"), "a2")
	mustOpen(t, sa, mustSeal(t, sb, rnd, "b2"), "b2")
	// Both send at once after setup.
	_, _, sa, sb, rnd = pair(t, "simultaneous")
	ea, eb := mustSeal(t, sa, rnd, "a"), mustSeal(t, sb, rnd, "b")
	mustOpen(t, sb, ea, "a")
	mustOpen(t, sa, eb, "b")
	mustOpen(t, sa, mustSeal(t, sb, rnd, "b again"), "b again")
	mustOpen(t, sb, mustSeal(t, sa, rnd, "a again"), "a again")
}

func TestEmptyAndMaxPlaintext(t *testing.T) {
	_, _, sa, sb, rnd := pair(t, "sizes")
	for _, n := range []int{0, 1, 255, 256, 257, 1024, 1025, 64 << 10, MaxPlaintextSize} {
		msg := bytes.Repeat([]byte{0x80}, n)
		env, err := sa.Seal(rnd, msg)
		if err != nil {
			t.Fatalf("Seal(%d bytes): %v", n, err)
		}
		if len(env) > MaxEnvelopeSize {
			t.Fatalf("envelope of %d bytes is %d > MaxEnvelopeSize", n, len(env))
		}
		got, err := sb.Open(env)
		if err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("Open(%d bytes) = %d bytes, %v", n, len(got), err)
		}
	}
	if _, err := sa.Seal(rnd, make([]byte, MaxPlaintextSize+1)); err == nil {
		t.Fatal("Seal accepted MaxPlaintextSize+1 bytes")
	}
}
