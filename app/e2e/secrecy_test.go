package e2e

import (
	"bytes"
	"fmt"
	"github.com/parley-chat/parley/app/e2e/internal/wirepb"
	"log/slog"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
)

func cloneSession(t testing.TB, s *Session) *Session {
	t.Helper()
	b, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	c, err := UnmarshalSession(s.me, b)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestForwardSecrecy: once message N-1 and N are opened, the state (as an
// attacker who steals the device would copy it) cannot open N-1 again, and
// neither N-1's message key nor the chain key it came from is in it.
func TestForwardSecrecy(t *testing.T) {
	_, _, sa, sb, rnd := pair(t, "forward")
	mustOpen(t, sb, mustSeal(t, sa, rnd, "warm up"), "warm up")
	prev := mustSeal(t, sa, rnd, "N-1")
	// What bob's state would derive for N-1, captured before he opens it.
	r := sb.r
	mk, _ := kdfCK(&r.ckr)
	chainBefore := r.ckr
	mustOpen(t, sb, prev, "N-1")
	mustOpen(t, sb, mustSeal(t, sa, rnd, "N"), "N")
	stolen, _ := sb.MarshalBinary()
	for _, secret := range [][]byte{mk[:], chainBefore[:]} {
		if bytes.Contains(stolen, secret) {
			t.Fatal("stolen state still holds a consumed key")
		}
	}
	thief, err := UnmarshalSession(sb.me, stolen)
	if err != nil {
		t.Fatal(err)
	}
	expectRejected(t, thief, prev, "N-1 with the state after N")
	// Across a turn too: bob's earlier messages are gone from alice's state.
	old := mustSeal(t, sb, rnd, "bob before the turn")
	mustOpen(t, sa, old, "bob before the turn")
	mustOpen(t, sb, mustSeal(t, sa, rnd, "alice turns"), "alice turns")
	mustOpen(t, sa, mustSeal(t, sb, rnd, "bob turns"), "bob turns")
	expectRejected(t, cloneSession(t, sa), old, "message from a previous turn")
}

// TestSessionNeverPrinted: formatting or logging a session or a pending
// request shows no key bytes.
func TestSessionNeverPrinted(t *testing.T) {
	rnd := newDetRand("print-session")
	a, b := newParty(t, rnd, "alice"), newParty(t, rnd, "bob")
	_, pending, _ := NewRequest(rnd, a.id, a.card, &b.card.Card, "hi", testTime)
	sa, _ := handshake(t, rnd, a, b)
	var logBuf bytes.Buffer
	slog.New(slog.NewTextHandler(&logBuf, nil)).Info("x", "s", sa, "sv", *sa, "p", pending, "pv", *pending)
	out := fmt.Sprintf("%v %+v %#v %x %v %+v %#v %x", sa, *sa, sa, sa, pending, *pending, pending, pending) + logBuf.String()
	for _, secret := range [][]byte{sa.r.rk[:], sa.r.dhPriv[:], sa.r.ckr[:], pending.eph.priv[:]} {
		for _, enc := range []string{fmt.Sprintf("%x", secret[:8]), fmt.Sprint(secret[:4])[1:10]} {
			if strings.Contains(out, enc) {
				t.Fatalf("secret %s printed in %q", enc, out)
			}
		}
	}
	if !strings.Contains(out, b.id.Public().Fingerprint()) {
		t.Fatalf("output lacks the fingerprint: %q", out)
	}
}

// TestPostCompromiseRecovery: an attacker with a copy of bob's state reads
// along until both sides have made a DH step, and no further.
func TestPostCompromiseRecovery(t *testing.T) {
	_, _, sa, sb, rnd := pair(t, "pcs")
	mustOpen(t, sb, mustSeal(t, sa, rnd, "before"), "before")
	eve := cloneSession(t, sb)
	// Still in alice's current chain: the copy reads it (the compromise).
	m := mustSeal(t, sa, rnd, "still readable")
	mustOpen(t, cloneSession(t, eve), m, "still readable")
	mustOpen(t, sb, m, "still readable")
	// Bob answers with a fresh ratchet key, alice answers with another.
	mustOpen(t, sa, mustSeal(t, sb, rnd, "bob turns"), "bob turns")
	for i := range 3 {
		m := mustSeal(t, sa, rnd, fmt.Sprint("healed ", i))
		expectRejected(t, eve, m, "message after DH steps in both directions")
		mustOpen(t, sb, m, fmt.Sprint("healed ", i))
	}
	// The same from alice's side: a copy of alice's state is locked out of
	// bob's messages after his next turn.
	evaA := cloneSession(t, sa)
	mustOpen(t, sb, mustSeal(t, sa, rnd, "alice again"), "alice again")
	mustOpen(t, sa, mustSeal(t, sb, rnd, "bob again"), "bob again")
	mustOpen(t, sb, mustSeal(t, sa, rnd, "alice third"), "alice third")
	expectRejected(t, evaA, mustSeal(t, sb, rnd, "bob third"), "alice's old state")
}

// TestFarAheadRejectedQuickly: a header claiming a message number 2^32-2
// (also behind a new ratchet key, or as pn) is refused before deriving
// anything: it is as fast as a bad signature, not billions of HMACs.
func TestFarAheadRejectedQuickly(t *testing.T) {
	alice, _, sa, sb, rnd := pair(t, "far-ahead")
	mustOpen(t, sb, mustSeal(t, sa, rnd, "a"), "a")
	e, _ := parseEnvelope(mustSeal(t, sa, rnd, "b"))
	cur, _ := parseHeader(e.header)
	newKey, _ := newEphemeral(rnd)
	cases := map[string]header{
		"n far ahead":           {dh: cur.dh, n: 1<<32 - 2},
		"n just past MaxSkip":   {dh: cur.dh, n: cur.n + MaxSkip + 1},
		"new key, n far ahead":  {dh: newKey.pub, n: 1<<32 - 2},
		"new key, pn far ahead": {dh: newKey.pub, pn: 1<<32 - 2},
		"max n":                 {dh: cur.dh, n: 1<<32 - 1},
	}
	for name, h := range cases {
		env := forge(alice.id, appendHeader(nil, &h), e.ciphertext)
		// The fastest of three tries, so that a busy machine's preemption
		// does not count: deriving even 2^20 keys would take seconds.
		fastest := time.Hour
		for range 3 {
			start := time.Now()
			expectRejected(t, sb, env, name)
			fastest = min(fastest, time.Since(start))
		}
		if fastest > 100*time.Millisecond {
			t.Errorf("%s: rejection took %v", name, fastest)
		}
		if sb.skipped.len() != 0 {
			t.Errorf("%s: %d skipped keys stored", name, sb.skipped.len())
		}
	}
}

// TestSkippedKeyPressure: a sender who skips as much as allowed, again and
// again, never makes the receiver store more than MaxSkippedKeys keys, and
// skips up to MaxSkip still work.
func TestSkippedKeyPressure(t *testing.T) {
	_, _, sa, sb, rnd := pair(t, "pressure")
	var first []byte
	for round := range 4 {
		var last []byte
		for i := 0; i <= MaxSkip; i++ {
			env := mustSeal(t, sa, rnd, fmt.Sprint(round, "/", i))
			if round == 0 && i == 0 {
				first = env
			}
			last = env
		}
		mustOpen(t, sb, last, fmt.Sprint(round, "/", MaxSkip))
		if n := sb.skipped.len(); n > MaxSkippedKeys {
			t.Fatalf("round %d: %d skipped keys stored, bound %d", round, n, MaxSkippedKeys)
		}
	}
	if sb.skipped.len() != MaxSkippedKeys {
		t.Fatalf("%d skipped keys stored, want exactly the bound %d", sb.skipped.len(), MaxSkippedKeys)
	}
	expectRejected(t, sb, first, "oldest skipped key, evicted")
	// The stored state stays bounded too.
	b, _ := sb.MarshalBinary()
	if len(b) > maxStoredSession {
		t.Fatalf("stored session is %d bytes, bound %d", len(b), maxStoredSession)
	}
}

// TestSkippedKeysExpire: a message held back for more than MaxSkippedAge
// turns of the conversation can no longer be opened; one held back less can.
func TestSkippedKeysExpire(t *testing.T) {
	_, _, sa, sb, rnd := pair(t, "expire")
	old := mustSeal(t, sa, rnd, "held back long")
	recent := []byte(nil)
	for i := 0; i <= MaxSkippedAge+1; i++ {
		m := mustSeal(t, sa, rnd, "turn")
		if i == 2 {
			recent = mustSeal(t, sa, rnd, "held back briefly")
		}
		mustOpen(t, sb, m, "turn")
		mustOpen(t, sa, mustSeal(t, sb, rnd, "reply"), "reply")
	}
	expectRejected(t, sb, old, "skipped key older than MaxSkippedAge steps")
	mustOpen(t, sb, recent, "held back briefly")
}

func TestSessionMarshalRoundTrip(t *testing.T) {
	_, _, sa, sb, rnd := pair(t, "marshal")
	held := mustSeal(t, sa, rnd, "held")
	mustOpen(t, sb, mustSeal(t, sa, rnd, "x"), "x")
	sa, sb = cloneSession(t, sa), cloneSession(t, sb)
	if sb.skipped.len() != 1 {
		t.Fatalf("skipped keys after round trip = %d, want 1", sb.skipped.len())
	}
	mustOpen(t, sb, held, "held")
	mustOpen(t, sa, mustSeal(t, sb, rnd, "y"), "y")
	a2 := cloneSession(t, sa)
	b1, _ := sa.MarshalBinary()
	b2, _ := a2.MarshalBinary()
	if !bytes.Equal(b1, b2) {
		t.Fatal("MarshalBinary not stable across a round trip")
	}
	other := newParty(t, rnd, "other")
	if _, err := UnmarshalSession(other.id, b1); err == nil {
		t.Fatal("UnmarshalSession accepted another identity")
	}
	// Bounds on the stored form.
	var st wirepb.SessionState
	_ = proto.Unmarshal(b1, &st)
	for range MaxSkippedKeys + 1 {
		st.Skipped = append(st.Skipped, &wirepb.SkippedKey{Dh: make([]byte, 32), Key: make([]byte, 32)})
	}
	big, _ := proto.Marshal(&st)
	if _, err := UnmarshalSession(sa.me, big); err == nil {
		t.Fatal("UnmarshalSession accepted too many skipped keys")
	}
}

func FuzzUnmarshalSession(f *testing.F) {
	_, _, sa, sb, rnd := pair(f, "fuzz-session")
	mustSeal(f, sa, rnd, "skipped")
	mustOpen(f, sb, mustSeal(f, sa, rnd, "x"), "x")
	bs, _ := sb.MarshalBinary()
	f.Add(bs)
	for _, v := range loadVectorsForFuzz(f) {
		f.Add([]byte(v.BobSession))
	}
	var v1 wirepb.SessionState // the same session in the old format
	_ = proto.Unmarshal(bs, &v1)
	v1.Version, v1.DhPublic = 1, nil
	b1, _ := proto.MarshalOptions{Deterministic: true}.Marshal(&v1)
	f.Add(b1)
	f.Add([]byte{})
	env := mustSeal(f, sa, rnd, "to open")
	me := sb.me
	f.Fuzz(func(t *testing.T, in []byte) {
		s, err := UnmarshalSession(me, in)
		if err != nil {
			return
		}
		if _, err := s.MarshalBinary(); err != nil {
			t.Fatal(err)
		}
		_, _ = s.Open(env)
		_, _ = s.Seal(newDetRand("f"), []byte("hi"))
	})
}
