package e2e

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"github.com/parley-chat/parley/app/e2e/internal/wirepb"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/nacl/box"
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
		if pb.Version != messageVersion || Kind(pb.Kind) != KindMessage || !bytes.Equal(pb.Sender, alice.id.pub.ed[:]) ||
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
	_ = bob
	va := NewVerifier(alice.id.Public().Ed25519())
	f.Fuzz(func(t *testing.T, in []byte) {
		sender, _, _ := PeekSender(in)
		// alice's Verifier agrees with VerifyMessage on her envelopes and
		// refuses everyone else's.
		c1, e1 := VerifyMessage(in)
		c2, e2 := va.VerifyMessage(in)
		if bytes.Equal(sender, alice.id.Public().Ed25519()) && ((e1 == nil) != (e2 == nil) || c1.ok != c2.ok) {
			t.Fatalf("VerifyMessage = %v, alice's Verifier = %v", e1, e2)
		}
		if !bytes.Equal(sender, alice.id.Public().Ed25519()) && (e2 != ErrDecrypt || c2.ok) {
			t.Fatalf("alice's Verifier accepted an envelope from %x: %v", sender, e2)
		}
		s, err := UnmarshalSession(sb.me, state)
		if err != nil {
			t.Fatal(err)
		}
		// The two-step path (VerifyMessage, then OpenChecked on a second
		// copy of the session) must agree with Open on every input.
		s2, _ := UnmarshalSession(sb.me, state)
		var pt2 []byte
		c, err2 := VerifyMessage(in)
		if err2 == nil {
			pt2, err2 = s2.OpenChecked(&c)
		}
		pt, err := s.Open(in)
		if (err == nil) != (err2 == nil) || !bytes.Equal(pt, pt2) {
			t.Fatalf("Open = %q, %v; VerifyMessage+OpenChecked = %q, %v", pt, err, pt2, err2)
		}
		if err != nil {
			if err != ErrDecrypt || pt != nil || err2 != ErrDecrypt || pt2 != nil {
				t.Fatalf("Open = %q, %v; OpenChecked = %q, %v", pt, err, pt2, err2)
			}
			after, _ := s.MarshalBinary()
			after2, _ := s2.MarshalBinary()
			if !bytes.Equal(after, state) || !bytes.Equal(after2, state) {
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

// TestRequestAcceptPadding: friend requests and accepts reveal only the
// size bucket of the signed body, not the greeting or card length.
func TestRequestAcceptPadding(t *testing.T) {
	rnd := newDetRand("request-padding")
	b := newParty(t, rnd, "bob")
	boxLen := func(sealed []byte) int {
		t.Helper()
		e, err := parseEnvelope(sealed)
		if err != nil {
			t.Fatal(err)
		}
		n := len(e.ciphertext) - box.AnonymousOverhead
		if !slices.Contains(padBuckets[:], n-1) {
			t.Fatalf("sealed body of %d bytes is not a padding bucket + 1", n)
		}
		return n
	}
	reqSizes, accSizes := map[int]bool{}, map[int]bool{}
	for _, name := range []string{"a", strings.Repeat("n", MaxNameLen)} {
		a := newParty(t, rnd, name)
		for _, g := range []int{0, 1, 100, 400} {
			sealed, _, err := NewRequest(rnd, a.id, a.card, &b.card.Card, strings.Repeat("g", g), testTime)
			if err != nil {
				t.Fatal(err)
			}
			reqSizes[boxLen(sealed)] = true
			req, err := OpenRequest(b.id, sealed)
			if err != nil || req.Greeting != strings.Repeat("g", g) {
				t.Fatalf("OpenRequest(greeting of %d) = %v", g, err)
			}
			// The acceptor's card varies instead.
			acc, _, err := Accept(rnd, a.id, a.card, &Request{Card: b.card.Card, ID: req.ID, eph: req.eph}, testTime)
			if err != nil {
				t.Fatal(err)
			}
			accSizes[boxLen(acc)] = true
		}
	}
	if len(reqSizes) != 1 || len(accSizes) != 1 {
		t.Errorf("requests gave %d sizes, accepts %d; want one bucket each", len(reqSizes), len(accSizes))
	}
	// A greeting that fills the next bucket changes only the bucket.
	a := newParty(t, rnd, "alice")
	sealed, _, _ := NewRequest(rnd, a.id, a.card, &b.card.Card, strings.Repeat("g", MaxGreetingLen), testTime)
	if n := boxLen(sealed); reqSizes[n] {
		t.Errorf("a %d-byte greeting stayed in the small bucket (%d)", MaxGreetingLen, n)
	}
}

// TestSealedEnvelopeVersion: requests and accepts are envelope version 2
// (padded); an unpadded version 1 request, or a version 2 request whose box
// holds no padding, is refused.
func TestSealedEnvelopeVersion(t *testing.T) {
	rnd := newDetRand("sealed-version")
	a, b := newParty(t, rnd, "alice"), newParty(t, rnd, "bob")
	sealed, _, _ := NewRequest(rnd, a.id, a.card, &b.card.Card, "hi", testTime)
	if sealed[0] != 0x08 || sealed[1] != sealedVersion {
		t.Fatalf("request starts %x, want version %d", sealed[:2], sealedVersion)
	}
	old := bytes.Clone(sealed)
	old[1] = 1
	if _, err := OpenRequest(b.id, old); err == nil {
		t.Error("OpenRequest accepted a version 1 envelope")
	}
	if _, _, err := PeekSender(old); err == nil {
		t.Error("PeekSender accepted a version 1 request")
	}
	signed, _ := signedMessage(a.id, labelRequest, &wirepb.RequestBody{})
	bx, _ := box.SealAnonymous(nil, signed, &b.id.pub.dh, rnd)
	if _, err := OpenRequest(b.id, sealedEnvelope(KindRequest, bx)); err == nil {
		t.Error("OpenRequest accepted an unpadded body")
	}
	over := pad(nil, signed)
	over = append(over, make([]byte, 300)...) // padded beyond its bucket
	bx, _ = box.SealAnonymous(nil, over, &b.id.pub.dh, rnd)
	if _, err := OpenRequest(b.id, sealedEnvelope(KindRequest, bx)); err == nil {
		t.Error("OpenRequest accepted a body padded past its bucket")
	}
}

// TestEnvelopeSignature pins the digest signature of versions 2 and 3,
// opens the envelopes of older builds (a pinned version 2 message sealed
// with secretbox, and the same message made version 1: signature over the
// bytes themselves), and refuses an envelope whose version byte was changed
// to another version.
func TestEnvelopeSignature(t *testing.T) {
	alice, _, sa, sb, rnd := pair(t, "envelope-signature")
	env := mustSeal(t, sa, rnd, "digest-signed")
	e, err := parseEnvelope(env)
	if err != nil {
		t.Fatal(err)
	}
	if e.version != messageVersionV3 {
		t.Fatalf("Seal wrote version %d, want %d", e.version, messageVersionV3)
	}
	d := sha256.Sum256(append([]byte("parley/v2/envelope-digest\x00"), e.signed...))
	msg := append([]byte("parley/v2/envelope\x00"), d[:]...)
	if !ed25519.Verify(alice.id.pub.ed[:], msg, e.signature) {
		t.Fatal("signature is not Ed25519(labelEnvelopeSigned || SHA-256(labelEnvelopeDigest || envelope))")
	}
	relabel := func(b []byte, v byte) []byte {
		c := bytes.Clone(b)
		if c[0] != 0x08 {
			t.Fatalf("envelope starts %x", c[:2])
		}
		c[1] = v
		return c
	}
	expectRejected(t, sb, relabel(env, messageVersionV1), "version 3 envelope relabelled as version 1")
	expectRejected(t, sb, relabel(env, messageVersionV2), "version 3 envelope relabelled as version 2")
	expectRejected(t, sb, relabel(env, 4), "version 4")
	mustOpen(t, sb, env, "digest-signed")

	v := loadVectorsFrom(t, vectorsV2File).Vectors[0]
	m := v.Messages[1] // alice → bob, sealed by the version 2 build
	oldAlice, oldBob := v.identities(t)
	bob := func() *Session {
		s, err := UnmarshalSession(oldBob, m.Receiver)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if m.From != "alice" || m.Envelope[1] != messageVersionV2 {
		t.Fatalf("vectors_v2 message 1 is from %s, version %d", m.From, m.Envelope[1])
	}
	expectRejected(t, bob(), relabel(m.Envelope, messageVersionV3), "version 2 envelope relabelled as version 3")
	mustOpen(t, bob(), m.Envelope, m.Plaintext)
	v1 := relabel(m.Envelope, messageVersionV1)
	e1, _ := parseEnvelope(v1)
	copy(v1[len(v1)-64:], ed25519Sign(oldAlice, append([]byte(labelEnvelope), e1.signed...)))
	expectRejected(t, bob(), relabel(v1, messageVersionV2), "version 1 envelope relabelled as version 2")
	mustOpen(t, bob(), v1, m.Plaintext)
}
