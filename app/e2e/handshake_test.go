package e2e

import (
	"bytes"
	"errors"
	"github.com/parley-chat/parley/app/e2e/internal/wirepb"
	"testing"
)

func TestRequestAccept(t *testing.T) {
	rnd := newDetRand("request")
	a, b := newParty(t, rnd, "alice"), newParty(t, rnd, "bob")
	sealed, pending, err := NewRequest(rnd, a.id, a.card, &b.card.Card, "hello bob", testTime)
	if err != nil {
		t.Fatal(err)
	}
	if k, kind, err := PeekSender(sealed); err != nil || kind != KindRequest || k != nil {
		t.Fatalf("PeekSender(request) = %x, %d, %v", k, kind, err)
	}
	req, err := OpenRequest(b.id, sealed)
	if err != nil {
		t.Fatalf("OpenRequest: %v", err)
	}
	if req.Card.Identity != a.id.Public() || req.Greeting != "hello bob" || req.ID != pending.ID ||
		!req.SentAt.Equal(testTime) || req.Card.Name != "alice" {
		t.Fatalf("OpenRequest = %+v", req)
	}
	// Only the recipient can open it.
	c := newParty(t, rnd, "carol")
	if _, err := OpenRequest(c.id, sealed); err == nil {
		t.Fatal("a third party opened the request")
	}
	// Requests survive a restart on both sides.
	pb, _ := pending.MarshalBinary()
	if pending, err = UnmarshalPendingRequest(a.id, pb); err != nil {
		t.Fatalf("UnmarshalPendingRequest: %v", err)
	}
	if _, err := UnmarshalPendingRequest(b.id, pb); !errors.Is(err, ErrIdentityMismatch) {
		t.Fatalf("UnmarshalPendingRequest(wrong identity) = %v", err)
	}
	rb, _ := req.MarshalBinary()
	if req, err = UnmarshalRequest(b.id, rb); err != nil {
		t.Fatalf("UnmarshalRequest: %v", err)
	}
	if sc := req.SignedCard(); sc.Card.Identity != a.id.Public() {
		t.Fatal("Request.SignedCard() is not the requester's")
	}
	sealedAcc, sb, err := Accept(rnd, b.id, b.card, req, testTime)
	if err != nil {
		t.Fatal(err)
	}
	card, sa, err := OpenAccept(a.id, pending, sealedAcc)
	if err != nil {
		t.Fatalf("OpenAccept: %v", err)
	}
	if card.Card.Identity != b.id.Public() || sa.Remote() != b.id.Public() || sb.Remote() != a.id.Public() ||
		!sa.Initiator() || sb.Initiator() || sa.Local() != a.id.Public() {
		t.Fatal("sessions do not pin the right identities")
	}
	mustOpen(t, sa, mustSeal(t, sb, rnd, "welcome"), "welcome")
	mustOpen(t, sb, mustSeal(t, sa, rnd, "thanks"), "thanks")
	// The accept cannot be opened against another pending request.
	_, other, _ := NewRequest(rnd, a.id, a.card, &b.card.Card, "again", testTime)
	if _, _, err := OpenAccept(a.id, other, sealedAcc); err == nil {
		t.Fatal("accept opened against another request")
	}
}

// TestAcceptFromSubstitutedKey: the request went to bob's key; an accept
// from another key (a node that swapped the card) is refused.
func TestAcceptFromSubstitutedKey(t *testing.T) {
	rnd := newDetRand("substitute")
	a, b, m := newParty(t, rnd, "alice"), newParty(t, rnd, "bob"), newParty(t, rnd, "mallory")
	_, pending, _ := NewRequest(rnd, a.id, a.card, &b.card.Card, "hi", testTime)
	// Mallory answers with her own card, using the request's ID.
	req := &Request{Card: a.card.Card, ID: pending.ID, eph: pending.eph.pub}
	acc, _, err := Accept(rnd, m.id, m.card, req, testTime)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := OpenAccept(a.id, pending, acc); !errors.Is(err, ErrIdentityMismatch) {
		t.Fatalf("OpenAccept(mallory) = %v, want ErrIdentityMismatch", err)
	}
}

// sealSignedRequest seals a hand-made RequestBody signed by signer.
func sealSignedRequest(t *testing.T, rnd *detRand, signer *IdentityPrivate, to IdentityPublic, body *wirepb.RequestBody) []byte {
	t.Helper()
	signed, err := signedMessage(signer, labelRequest, body)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := sealTo(rnd, to, KindRequest, signed)
	if err != nil {
		t.Fatal(err)
	}
	return sealed
}

func TestOpenRequestRejects(t *testing.T) {
	rnd := newDetRand("request-rejects")
	a, b, m := newParty(t, rnd, "alice"), newParty(t, rnd, "bob"), newParty(t, rnd, "mallory")
	eph, _ := newEphemeral(rnd)
	good := func() *wirepb.RequestBody {
		return &wirepb.RequestBody{Card: a.card.mustBytes(), Ephemeral: eph.pub[:], Greeting: "hi",
			Id: bytes.Repeat([]byte{7}, 16), SentAtMs: testTime.UnixMilli(), Recipient: b.id.pub.ed[:]}
	}
	if _, err := OpenRequest(b.id, sealSignedRequest(t, rnd, a.id, b.id.pub, good())); err != nil {
		t.Fatalf("hand-made request: %v", err)
	}
	cases := map[string]struct {
		signer *IdentityPrivate
		mod    func(*wirepb.RequestBody)
		want   error
	}{
		"signed by another key": {m.id, func(*wirepb.RequestBody) {}, ErrBadSignature},
		"addressed to carol":    {a.id, func(r *wirepb.RequestBody) { r.Recipient = m.id.pub.ed[:] }, ErrMalformed},
		"short id":              {a.id, func(r *wirepb.RequestBody) { r.Id = r.Id[:8] }, ErrMalformed},
		"greeting too long":     {a.id, func(r *wirepb.RequestBody) { r.Greeting = string(make([]byte, MaxGreetingLen+1)) }, ErrTooLarge},
	}
	for i, p := range lowOrder(t) {
		cases["low-order ephemeral "+lowOrderPoints[i/2][:8]] = struct {
			signer *IdentityPrivate
			mod    func(*wirepb.RequestBody)
			want   error
		}{a.id, func(r *wirepb.RequestBody) { r.Ephemeral = p }, ErrInvalidKey}
	}
	for name, c := range cases {
		body := good()
		c.mod(body)
		if _, err := OpenRequest(b.id, sealSignedRequest(t, rnd, c.signer, b.id.pub, body)); !errors.Is(err, c.want) {
			t.Errorf("%s: OpenRequest = %v, want %v", name, err, c.want)
		}
	}
	// A sealed box whose own ephemeral key is a low-order point: refused
	// before box.OpenAnonymous runs.
	for _, p := range lowOrder(t) {
		bx := append(append([]byte(nil), p...), make([]byte, 200)...)
		if _, err := OpenRequest(b.id, sealedEnvelope(KindRequest, bx)); !errors.Is(err, ErrDecrypt) {
			t.Errorf("low-order box key %x: %v", p, err)
		}
	}
	// NewRequest refuses a card whose key is low-order.
	bad := b.card.Card
	copy(bad.Identity.dh[:], lowOrder(t)[2])
	if _, _, err := NewRequest(rnd, a.id, a.card, &bad, "hi", testTime); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("NewRequest(low-order card) = %v", err)
	}
	// Our own card must be ours.
	if _, _, err := NewRequest(rnd, a.id, m.card, &b.card.Card, "hi", testTime); !errors.Is(err, ErrIdentityMismatch) {
		t.Errorf("NewRequest(someone else's card) = %v", err)
	}
}

func TestRequestEveryByteChange(t *testing.T) {
	rnd := newDetRand("request-flip")
	a, b := newParty(t, rnd, "alice"), newParty(t, rnd, "bob")
	sealed, pending, _ := NewRequest(rnd, a.id, a.card, &b.card.Card, "hi", testTime)
	req, _ := OpenRequest(b.id, sealed)
	acc, _, _ := Accept(rnd, b.id, b.card, req, testTime)
	for i := range sealed {
		mod := bytes.Clone(sealed)
		mod[i] ^= 0x01
		if _, err := OpenRequest(b.id, mod); err == nil {
			t.Fatalf("request with byte %d flipped opened", i)
		}
	}
	for i := range acc {
		mod := bytes.Clone(acc)
		mod[i] ^= 0x01
		if _, _, err := OpenAccept(a.id, pending, mod); err == nil {
			t.Fatalf("accept with byte %d flipped opened", i)
		}
	}
	if _, _, err := OpenAccept(a.id, pending, acc); err != nil {
		t.Fatalf("OpenAccept after the flips: %v", err)
	}
}

func fuzzHandshake(f *testing.F) (a, b party, sealedReq, sealedAcc, pendingBytes []byte) {
	rnd := newDetRand("fuzz-handshake")
	a, b = newParty(f, rnd, "alice"), newParty(f, rnd, "bob")
	sealedReq, pending, err := NewRequest(rnd, a.id, a.card, &b.card.Card, "hi", testTime)
	if err != nil {
		f.Fatal(err)
	}
	req, err := OpenRequest(b.id, sealedReq)
	if err != nil {
		f.Fatal(err)
	}
	sealedAcc, _, err = Accept(rnd, b.id, b.card, req, testTime)
	if err != nil {
		f.Fatal(err)
	}
	pendingBytes, _ = pending.MarshalBinary()
	return a, b, sealedReq, sealedAcc, pendingBytes
}

func FuzzOpenRequest(f *testing.F) {
	_, b, sealedReq, sealedAcc, _ := fuzzHandshake(f)
	f.Add(sealedReq)
	f.Add(sealedAcc)
	f.Add([]byte{})
	for _, v := range loadVectorsForFuzz(f) {
		f.Add([]byte(v.Request))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if r, err := OpenRequest(b.id, in); err == nil {
			if r == nil {
				t.Fatal("nil request without error")
			}
			if _, err := r.MarshalBinary(); err != nil {
				t.Fatal(err)
			}
		}
		_, _ = UnmarshalRequest(b.id, in)
		_, _, _ = PeekSender(in)
	})
}

func FuzzOpenAccept(f *testing.F) {
	a, _, sealedReq, sealedAcc, pb := fuzzHandshake(f)
	f.Add(sealedAcc)
	f.Add(sealedReq)
	for _, v := range loadVectorsForFuzz(f) {
		f.Add([]byte(v.Accept))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		pending, err := UnmarshalPendingRequest(a.id, pb)
		if err != nil {
			t.Fatal(err)
		}
		if _, s, err := OpenAccept(a.id, pending, in); err == nil {
			if _, err := s.Seal(newDetRand("x"), []byte("hi")); err != nil {
				t.Fatalf("Seal on a session from a fuzzed accept: %v", err)
			}
		}
		_, _ = UnmarshalPendingRequest(a.id, in)
	})
}
