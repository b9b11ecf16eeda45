package e2e

import (
	"bytes"
	"github.com/parley-chat/parley/app/e2e/internal/wirepb"
	"testing"

	"google.golang.org/protobuf/proto"
)

// TestEnvelopeMatchesProto: the hand-written encoding is exactly what
// proto.Marshal writes for the Envelope and Header messages of wire.proto.
func TestEnvelopeMatchesProto(t *testing.T) {
	alice, _, sa, _, rnd := pair(t, "proto")
	for _, msg := range []string{"", "hello", string(make([]byte, 5000))} {
		env := mustSeal(t, sa, rnd, msg)
		var pb wirepb.Envelope
		if err := proto.Unmarshal(env, &pb); err != nil {
			t.Fatal(err)
		}
		if pb.Version != 1 || Kind(pb.Kind) != KindMessage || !bytes.Equal(pb.Sender, alice.id.pub.ed[:]) ||
			len(pb.Signature) != 64 {
			t.Fatalf("proto view of the envelope: %v", &pb)
		}
		again, _ := proto.MarshalOptions{Deterministic: true}.Marshal(&pb)
		if !bytes.Equal(again, env) {
			t.Fatal("proto.Marshal writes a different envelope encoding")
		}
		var h wirepb.Header
		if err := proto.Unmarshal(pb.Header, &h); err != nil {
			t.Fatal(err)
		}
		hb, _ := proto.MarshalOptions{Deterministic: true}.Marshal(&h)
		if !bytes.Equal(hb, pb.Header) {
			t.Fatal("proto.Marshal writes a different header encoding")
		}
		k, kind, err := PeekSender(env)
		if err != nil || kind != KindMessage || !bytes.Equal(k, alice.id.pub.ed[:]) {
			t.Fatalf("PeekSender = %x, %d, %v", k, kind, err)
		}
	}
}

// TestPaddingBuckets: envelopes reveal only the size bucket.
func TestPaddingBuckets(t *testing.T) {
	_, _, sa, _, rnd := pair(t, "padding")
	sizes := map[int]int{}
	for _, n := range []int{0, 1, 100, 256, 257, 1000, 1024, 1025, 4096, 16384, 65536, 65537, MaxPlaintextSize} {
		// The header's counters are visible anyway; the ciphertext is what
		// would reveal the length.
		e, _ := parseEnvelope(mustSeal(t, sa, rnd, string(make([]byte, n))))
		bucket := paddedLen(n)
		if prev, ok := sizes[bucket]; ok && prev != len(e.ciphertext) {
			t.Errorf("two plaintexts in bucket %d give ciphertexts of %d and %d bytes", bucket, prev, len(e.ciphertext))
		}
		sizes[bucket] = len(e.ciphertext)
	}
	if len(sizes) != len(padBuckets) {
		t.Errorf("saw %d envelope sizes, want %d buckets", len(sizes), len(padBuckets))
	}
}

func TestPeekSenderMalformed(t *testing.T) {
	for _, b := range [][]byte{nil, {0x08}, {0x08, 0x02, 0x10, 0x01}, {0x10, 0x01, 0x08, 0x01}, bytes.Repeat([]byte{0xff}, 20)} {
		if _, _, err := PeekSender(b); err == nil {
			t.Errorf("PeekSender(%x) succeeded", b)
		}
	}
}

func FuzzOpenEnvelope(f *testing.F) {
	alice, bob, sa, sb, rnd := pair(f, "fuzz-envelope")
	mustOpen(f, sb, mustSeal(f, sa, rnd, "warm"), "warm")
	f.Add(mustSeal(f, sa, rnd, "hello"))
	f.Add(mustSeal(f, sa, rnd, string(make([]byte, 2000))))
	for _, v := range loadVectorsForFuzz(f) {
		for _, m := range v.Messages {
			f.Add([]byte(m.Envelope))
		}
	}
	f.Add([]byte{})
	state, _ := sb.MarshalBinary()
	_, _ = alice, bob
	f.Fuzz(func(t *testing.T, in []byte) {
		_, _, _ = PeekSender(in)
		s, err := UnmarshalSession(sb.me, state)
		if err != nil {
			t.Fatal(err)
		}
		pt, err := s.Open(in)
		if err != nil {
			if err != ErrDecrypt || pt != nil {
				t.Fatalf("Open = %q, %v", pt, err)
			}
			after, _ := s.MarshalBinary()
			if !bytes.Equal(after, state) {
				t.Fatal("failed Open changed the session")
			}
		}
	})
}

// FuzzOpenSignedHeader gets past the signature: the fuzzer picks the header
// and ciphertext and the harness signs them with the sender's real key, so
// the header parser, the skip bounds and the ratchet see arbitrary values.
// A failed Open must leave the session unchanged.
func FuzzOpenSignedHeader(f *testing.F) {
	alice, _, sa, sb, rnd := pair(f, "fuzz-header")
	mustOpen(f, sb, mustSeal(f, sa, rnd, "warm"), "warm")
	for _, msg := range []string{"next", "after a skip"} {
		e, _ := parseEnvelope(mustSeal(f, sa, rnd, msg))
		f.Add(bytes.Clone(e.header), bytes.Clone(e.ciphertext))
	}
	state, _ := sb.MarshalBinary()
	f.Fuzz(func(t *testing.T, h, ct []byte) {
		s, err := UnmarshalSession(sb.me, state)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Open(forge(alice.id, h, ct)); err != nil {
			if after, _ := s.MarshalBinary(); !bytes.Equal(after, state) {
				t.Fatal("failed Open changed the session")
			}
		}
		if s.skipped.len() > MaxSkippedKeys {
			t.Fatalf("%d skipped keys", s.skipped.len())
		}
	})
}
