package e2e

import (
	"bytes"
	"testing"
)

// TestOpenChecked: VerifyMessage then OpenChecked opens what Open opens, in
// order and out of order, and refuses what Open refuses, leaving the
// session unchanged.
func TestOpenChecked(t *testing.T) {
	_, _, sa, sb, rnd := pair(t, "checked")
	envs := [][]byte{mustSeal(t, sa, rnd, "one"), mustSeal(t, sa, rnd, "two"), mustSeal(t, sa, rnd, "three")}
	for _, i := range []int{0, 2, 1} { // out of order: a skipped key is used
		c, err := VerifyMessage(envs[i])
		if err != nil {
			t.Fatalf("VerifyMessage(%d): %v", i, err)
		}
		pt, err := sb.OpenChecked(&c)
		if err != nil || string(pt) != []string{"one", "two", "three"}[i] {
			t.Fatalf("OpenChecked(%d) = %q, %v", i, pt, err)
		}
	}
	state, _ := sb.MarshalBinary()
	unchanged := func(what string) {
		t.Helper()
		if after, _ := sb.MarshalBinary(); !bytes.Equal(after, state) {
			t.Fatalf("%s changed the session", what)
		}
	}

	// A replay verifies (the signature is genuine) but does not open.
	c, err := VerifyMessage(envs[1])
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := sb.OpenChecked(&c); err != ErrDecrypt || pt != nil {
		t.Fatalf("replay: OpenChecked = %q, %v; want ErrDecrypt", pt, err)
	}
	unchanged("a replay")

	// Every single-bit flip fails the signature check.
	env := mustSeal(t, sa, rnd, "four")
	for bit := range len(env) * 8 {
		bad := bytes.Clone(env)
		bad[bit/8] ^= 1 << (bit % 8)
		if _, err := VerifyMessage(bad); err != ErrDecrypt {
			t.Fatalf("bit %d flipped: VerifyMessage = %v; want ErrDecrypt", bit, err)
		}
	}

	// A genuinely signed envelope of someone else (carol, in her own
	// session with bob) verifies but is not opened in alice's session.
	_, _, sc, _, rnd2 := pair(t, "checked-carol")
	c, err = VerifyMessage(mustSeal(t, sc, rnd2, "from carol"))
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := sb.OpenChecked(&c); err != ErrDecrypt || pt != nil {
		t.Fatalf("other sender: OpenChecked = %q, %v; want ErrDecrypt", pt, err)
	}
	unchanged("another sender's envelope")

	// A Verifier of alice's key accepts her envelopes, which then open, and
	// refuses carol's genuine one and every flipped bit of alice's.
	alice := NewVerifier(sa.me.Public().Ed25519())
	five := mustSeal(t, sa, rnd, "five")
	if _, err := alice.VerifyMessage(mustSeal(t, sc, rnd2, "from carol")); err != ErrDecrypt {
		t.Fatalf("alice's Verifier on carol's envelope: %v; want ErrDecrypt", err)
	}
	for bit := range len(five) * 8 {
		bad := bytes.Clone(five)
		bad[bit/8] ^= 1 << (bit % 8)
		if _, err := alice.VerifyMessage(bad); err != ErrDecrypt {
			t.Fatalf("bit %d flipped: Verifier.VerifyMessage = %v; want ErrDecrypt", bit, err)
		}
	}
	c5, err := alice.VerifyMessage(five)
	if err != nil {
		t.Fatalf("alice's Verifier on her envelope: %v", err)
	}
	if pt, err := sb.OpenChecked(&c5); err != nil || string(pt) != "five" {
		t.Fatalf("OpenChecked after Verifier = %q, %v", pt, err)
	}
	state, _ = sb.MarshalBinary()

	// The zero Checked is refused.
	if pt, err := sb.OpenChecked(&Checked{}); err != ErrDecrypt || pt != nil {
		t.Fatalf("zero Checked: OpenChecked = %q, %v", pt, err)
	}
	unchanged("the zero Checked")

	// Requests and accepts are not messages.
	if _, err := VerifyMessage(sealedEnvelope(KindRequest, []byte("box"))); err != ErrDecrypt {
		t.Fatalf("request: VerifyMessage = %v", err)
	}

	// And the next genuine message still opens.
	c, _ = VerifyMessage(env)
	if pt, err := sb.OpenChecked(&c); err != nil || string(pt) != "four" {
		t.Fatalf("OpenChecked after refusals = %q, %v", pt, err)
	}
}

// TestSealAll: SealAll returns exactly the envelopes successive Seal calls
// make with the same randomness (also across a turn of the conversation,
// which needs a new ratchet key), whether run signs in turn or in any
// order; on error the session is unchanged.
func TestSealAll(t *testing.T) {
	_, _, sa, sb, rnd := pair(t, "sealall")
	mustOpen(t, sa, mustSeal(t, sb, rnd, "a turn"), "a turn") // alice's next Seal makes a ratchet step
	texts := [][]byte{[]byte("one"), []byte("two"), make([]byte, 5000), []byte("four")}
	reversed := func(n int, fn func(int)) {
		for i := n - 1; i >= 0; i-- {
			fn(i)
		}
	}
	for name, run := range map[string]func(int, func(int)){"nil": nil, "reversed": reversed} {
		one, all := sa.Clone(), sa.Clone()
		r1, r2 := newDetRand("same"), newDetRand("same")
		var want [][]byte
		for _, pt := range texts {
			want = append(want, mustSeal(t, one, r1, string(pt)))
		}
		got, err := all.SealAll(r2, texts, run)
		if err != nil {
			t.Fatalf("%s: SealAll: %v", name, err)
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("%s: envelope %d differs from Seal's", name, i)
			}
		}
		s1, _ := one.MarshalBinary()
		s2, _ := all.MarshalBinary()
		if !bytes.Equal(s1, s2) {
			t.Fatalf("%s: session after SealAll differs from after Seal", name)
		}
		b := sb.Clone()
		for i, env := range got {
			mustOpen(t, b, env, string(texts[i]))
		}
	}
	before, _ := sa.MarshalBinary()
	if _, err := sa.SealAll(rnd, [][]byte{[]byte("fine"), make([]byte, MaxPlaintextSize+1)}, nil); err == nil {
		t.Fatal("SealAll with an oversized plaintext succeeded")
	}
	if after, _ := sa.MarshalBinary(); !bytes.Equal(before, after) {
		t.Fatal("a failed SealAll changed the session")
	}
}
