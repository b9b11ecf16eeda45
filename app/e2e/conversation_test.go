package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
)

// flight is an envelope on its way, with what it must decrypt to.
type flight struct {
	env  []byte
	want string
	age  int // actions since it was sent
}

// TestConversationProperty runs many seeded conversations with random
// interleavings of sending in both directions, out-of-order delivery, loss
// and duplication. Every delivered envelope must open exactly once to its
// plaintext, every duplicate must fail with ErrDecrypt and leave the state
// unchanged, and the skipped-key store must stay within its bound.
func TestConversationProperty(t *testing.T) {
	seeds, msgs := 200, 100
	if testing.Short() || raceEnabled {
		seeds = 25 // the race detector makes this ~10x slower; 200 seeds run without it
	}
	for seed := range seeds {
		runConversation(t, uint64(seed), msgs)
	}
}

func runConversation(t *testing.T, seed uint64, msgs int) {
	t.Helper()
	_, _, sa, sb, rnd := pair(t, fmt.Sprint("property-", seed))
	prng := rand.New(rand.NewPCG(seed, 0x5eed))
	sessions := [2]*Session{sa, sb}
	var inflight [2][]flight // inflight[i] travels towards sessions[i]
	var delivered [2][][]byte
	sent := 0
	for steps := 0; sent < msgs || len(inflight[0])+len(inflight[1]) > 0; steps++ {
		if steps > 20*msgs {
			t.Fatalf("seed %d: conversation did not finish", seed)
		}
		to := prng.IntN(2)
		switch r := prng.IntN(10); {
		case r < 4 && sent < msgs: // send
			want := fmt.Sprintf("seed %d msg %d %s", seed, sent, bytes.Repeat([]byte("."), prng.IntN(300)))
			inflight[to] = append(inflight[to], flight{env: mustSeal(t, sessions[1-to], rnd, want), want: want})
			sent++
		case r < 5 && len(inflight[to]) > 0: // lose one
			i := prng.IntN(len(inflight[to]))
			inflight[to] = append(inflight[to][:i], inflight[to][i+1:]...)
		case r < 6 && len(delivered[to]) > 0: // duplicate (replay) one
			env := delivered[to][prng.IntN(len(delivered[to]))]
			expectRejected(t, sessions[to], env, fmt.Sprintf("seed %d replay", seed))
		case len(inflight[to]) > 0: // deliver one, preferring old ones
			i := prng.IntN(len(inflight[to]))
			if inflight[to][0].age > 15 {
				i = 0
			}
			f := inflight[to][i]
			inflight[to] = append(inflight[to][:i], inflight[to][i+1:]...)
			mustOpen(t, sessions[to], f.env, f.want)
			delivered[to] = append(delivered[to], f.env)
		}
		for i := range inflight {
			for j := range inflight[i] {
				inflight[i][j].age++
			}
		}
		for _, s := range sessions {
			if s.skipped.len() > MaxSkippedKeys {
				t.Fatalf("seed %d: %d skipped keys stored", seed, s.skipped.len())
			}
		}
	}
}

// expectRejected opens env, which must fail with ErrDecrypt and leave s as
// it was.
func expectRejected(t testing.TB, s *Session, env []byte, what string) {
	t.Helper()
	before, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := s.Open(env); !errors.Is(err, ErrDecrypt) || pt != nil {
		t.Fatalf("%s: Open = %q, %v; want ErrDecrypt", what, pt, err)
	}
	after, _ := s.MarshalBinary()
	if !bytes.Equal(before, after) {
		t.Fatalf("%s: a failed Open changed the session", what)
	}
}

// TestEveryByteChange flips bits in every byte of envelopes (one that opens
// from the chain and one that opens from a skipped key): all rejected, and
// the session is unchanged each time.
func TestEveryByteChange(t *testing.T) {
	_, _, sa, sb, rnd := pair(t, "flip")
	mustOpen(t, sb, mustSeal(t, sa, rnd, "turn"), "turn")
	skippedEnv := mustSeal(t, sb, rnd, "skipped")
	chainEnv := mustSeal(t, sb, rnd, "in chain")
	mustOpen(t, sa, mustSeal(t, sb, rnd, "makes a skip"), "makes a skip")
	_ = chainEnv
	// skippedEnv and chainEnv are now both skipped keys in sa; deliver a
	// fresh one for the in-chain case.
	fresh := mustSeal(t, sb, rnd, "fresh")
	for _, env := range [][]byte{skippedEnv, fresh} {
		for i := range env {
			for _, x := range []byte{0x01, 0x80, 0xff} {
				mod := bytes.Clone(env)
				mod[i] ^= x
				expectRejected(t, sa, mod, fmt.Sprintf("byte %d ^ %#x", i, x))
			}
		}
		for n := range len(env) {
			expectRejected(t, sa, env[:n], fmt.Sprintf("truncated to %d", n))
		}
		expectRejected(t, sa, append(bytes.Clone(env), 0), "extended")
	}
	mustOpen(t, sa, skippedEnv, "skipped")
	mustOpen(t, sa, fresh, "fresh")
	mustOpen(t, sa, chainEnv, "in chain")
}

func TestReplayRejected(t *testing.T) {
	_, _, sa, sb, rnd := pair(t, "replay")
	e1 := mustSeal(t, sa, rnd, "one")
	e2 := mustSeal(t, sa, rnd, "two")
	mustOpen(t, sb, e2, "two")
	mustOpen(t, sb, e1, "one") // from the skipped store
	expectRejected(t, sb, e1, "replay of a skipped-key message")
	expectRejected(t, sb, e2, "replay of an in-chain message")
	mustOpen(t, sa, mustSeal(t, sb, rnd, "reply"), "reply")
	e3 := mustSeal(t, sa, rnd, "three")
	mustOpen(t, sb, e3, "three")
	expectRejected(t, sb, e1, "replay after turns")
	expectRejected(t, sb, e3, "replay of the latest")
	// Also after a restart of the receiver.
	state, _ := sb.MarshalBinary()
	sb2, err := UnmarshalSession(sb.me, state)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range [][]byte{e1, e2, e3} {
		expectRejected(t, sb2, e, "replay after restart")
	}
}

// forge makes an envelope with any header and ciphertext, correctly signed
// by signer (as a peer who holds the key, or a bug, could).
func forge(signer *IdentityPrivate, h []byte, ct []byte) []byte {
	buf := appendEnvelopeHead(nil, KindMessage, signer.pub.ed[:], h)
	buf = appendCiphertextTag(buf, len(ct))
	buf = append(buf, ct...)
	return appendSignature(buf, signer.signEnvelope(buf))
}

func TestSignedByAnotherKey(t *testing.T) {
	alice, _, sa, sb, rnd := pair(t, "other-key")
	mallory := newParty(t, rnd, "mallory")
	env := mustSeal(t, sa, rnd, "hi")
	e, err := parseEnvelope(env)
	if err != nil {
		t.Fatal(err)
	}
	// Mallory re-signs alice's envelope (sender field still alice's).
	resigned := bytes.Clone(env)
	copy(resigned[len(resigned)-64:], mallory.id.signEnvelope(e.signed))
	expectRejected(t, sb, resigned, "re-signed by mallory")
	// Mallory puts her own key as sender.
	expectRejected(t, sb, forge(mallory.id, e.header, e.ciphertext), "mallory as sender")
	// Alice's own key over an altered header (pn changes only the KDF input).
	h, _ := parseHeader(e.header)
	h.pn++
	expectRejected(t, sb, forge(alice.id, appendHeader(nil, &h), e.ciphertext), "altered header, re-signed")
	mustOpen(t, sb, env, "hi")
}

// TestEnvelopeMovedToAnotherConversation: an envelope for one conversation
// does not open in another, whichever session it is offered to.
func TestEnvelopeMovedToAnotherConversation(t *testing.T) {
	rnd := newDetRand("moved")
	alice, bob, carol := newParty(t, rnd, "alice"), newParty(t, rnd, "bob"), newParty(t, rnd, "carol")
	ab, ba := handshake(t, rnd, alice, bob)
	ac, ca := handshake(t, rnd, alice, carol)
	bc, cb := handshake(t, rnd, bob, carol)
	// Prime every session so each has receiving chains.
	for _, p := range [][2]*Session{{ab, ba}, {ac, ca}, {bc, cb}} {
		mustOpen(t, p[1], mustSeal(t, p[0], rnd, "x"), "x")
		mustOpen(t, p[0], mustSeal(t, p[1], rnd, "y"), "y")
	}
	toBob := mustSeal(t, ab, rnd, "for bob")
	toAlice := mustSeal(t, ca, rnd, "for alice from carol")
	expectRejected(t, ca, toBob, "alice→bob offered to carol's session with alice")
	expectRejected(t, cb, toBob, "alice→bob offered to carol's session with bob")
	expectRejected(t, bc, toAlice, "carol→alice offered to bob's session with carol")
	expectRejected(t, ba, toAlice, "carol→alice offered to bob's session with alice")
	expectRejected(t, ab, toBob, "alice→bob offered back to alice")
	mustOpen(t, ba, toBob, "for bob")
	mustOpen(t, ac, toAlice, "for alice from carol")
	// Two sessions between the same two people (a re-handshake) do not mix.
	ab2, ba2 := handshake(t, rnd, alice, bob)
	_ = ab2
	expectRejected(t, ba2, mustSeal(t, ab, rnd, "old session"), "old session's envelope in the new one")
}

func TestLowOrderHeaderKey(t *testing.T) {
	alice, _, sa, sb, rnd := pair(t, "low-order-header")
	mustOpen(t, sb, mustSeal(t, sa, rnd, "a"), "a")
	e, _ := parseEnvelope(mustSeal(t, sa, rnd, "b"))
	for _, p := range lowOrder(t) {
		h := header{n: 0}
		copy(h.dh[:], p)
		expectRejected(t, sb, forge(alice.id, appendHeader(nil, &h), e.ciphertext), fmt.Sprintf("header dh %x", p))
	}
}

func TestSealWithoutRandChangesNothing(t *testing.T) {
	_, _, sa, sb, rnd := pair(t, "rand")
	for i := range 2 { // first with a pending ratchet step, then within a chain
		before, _ := sa.MarshalBinary()
		if _, err := sa.Seal(bytes.NewReader(nil), []byte("x")); err == nil {
			t.Fatal("Seal worked without randomness")
		}
		if after, _ := sa.MarshalBinary(); !bytes.Equal(before, after) {
			t.Fatal("a failed Seal changed the session")
		}
		msg := fmt.Sprint("after failed seal ", i)
		mustOpen(t, sb, mustSeal(t, sa, rnd, msg), msg)
	}
}

// TestNoKeyNonceReuse seals the same (empty) plaintext many times, across
// sessions, directions, turns, and from a session restored from an old
// copy (as after a crash before the new state was stored). With equal
// plaintexts, equal key and nonce would give equal ciphertexts; every
// keystream must differ.
func TestNoKeyNonceReuse(t *testing.T) {
	seen := map[string]string{}
	check := func(env []byte, what string) {
		t.Helper()
		e, err := parseEnvelope(env)
		if err != nil {
			t.Fatal(err)
		}
		ks := string(e.ciphertext[16:48]) // keystream XOR (0x80 || zeros)
		if prev, ok := seen[ks]; ok {
			t.Fatalf("%s reuses the key and nonce of %s", what, prev)
		}
		seen[ks] = what
	}
	for p := range 5 {
		_, _, sa, sb, rnd := pair(t, fmt.Sprint("reuse-", p))
		for i := range 30 {
			from, to := sa, sb
			if i%3 == 2 {
				from, to = sb, sa
			}
			old := cloneSession(t, from)
			env := mustSeal(t, from, rnd, "")
			check(env, fmt.Sprintf("pair %d msg %d", p, i))
			mustOpen(t, to, env, "")
			check(mustSeal(t, old, rnd, ""), fmt.Sprintf("pair %d msg %d from a rewound state", p, i))
		}
	}
}
