package e2e

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"testing"
	"time"
)

// detRand is a deterministic io.Reader for tests and vectors: the stream is
// SHA-256(seed || counter) for counter = 0, 1, 2, ... (64-bit big endian).
type detRand struct {
	seed []byte
	ctr  uint64
	buf  []byte
}

func newDetRand(seed string) *detRand { return &detRand{seed: []byte(seed)} }

func (d *detRand) Read(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if len(d.buf) == 0 {
			var c [8]byte
			binary.BigEndian.PutUint64(c[:], d.ctr)
			d.ctr++
			sum := sha256.Sum256(append(append([]byte(nil), d.seed...), c[:]...))
			d.buf = sum[:]
		}
		m := copy(p, d.buf)
		d.buf, p = d.buf[m:], p[m:]
	}
	return n, nil
}

var testTime = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// party is one user in tests.
type party struct {
	id   *IdentityPrivate
	card SignedCard
}

func newParty(t testing.TB, rnd *detRand, name string) party {
	t.Helper()
	id, err := NewIdentity(rnd)
	if err != nil {
		t.Fatal(err)
	}
	card, err := NewCard(id, name, []string{"/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWExample"}, testTime)
	if err != nil {
		t.Fatal(err)
	}
	return party{id: id, card: card}
}

// handshake runs request and accept between a (requester) and b and returns
// a's and b's sessions.
func handshake(t testing.TB, rnd *detRand, a, b party) (*Session, *Session) {
	t.Helper()
	sealedReq, pending, err := NewRequest(rnd, a.id, a.card, &b.card.Card, "hi", testTime)
	if err != nil {
		t.Fatal(err)
	}
	req, err := OpenRequest(b.id, sealedReq)
	if err != nil {
		t.Fatal(err)
	}
	sealedAcc, sb, err := Accept(rnd, b.id, b.card, req, testTime)
	if err != nil {
		t.Fatal(err)
	}
	_, sa, err := OpenAccept(a.id, pending, sealedAcc)
	if err != nil {
		t.Fatal(err)
	}
	return sa, sb
}

// pair makes two parties with sessions.
func pair(t testing.TB, seed string) (alice, bob party, sa, sb *Session, rnd *detRand) {
	t.Helper()
	rnd = newDetRand(seed)
	alice, bob = newParty(t, rnd, "alice"), newParty(t, rnd, "bob")
	sa, sb = handshake(t, rnd, alice, bob)
	return alice, bob, sa, sb, rnd
}

func mustSeal(t testing.TB, s *Session, rnd *detRand, msg string) []byte {
	t.Helper()
	env, err := s.Seal(rnd, []byte(msg))
	if err != nil {
		t.Fatalf("Seal(%q): %v", msg, err)
	}
	return env
}

func mustOpen(t testing.TB, s *Session, env []byte, want string) {
	t.Helper()
	got, err := s.Open(env)
	if err != nil {
		t.Fatalf("Open: %v (want %q)", err, want)
	}
	if string(got) != want {
		t.Fatalf("Open = %q, want %q", got, want)
	}
}

func ed25519Sign(k *IdentityPrivate, msg []byte) []byte { return ed25519.Sign(k.ed, msg) }
