package e2e

import (
	"crypto/ed25519"
	"encoding/hex"
	"math/big"
	"testing"
)

// Edge-case encodings for the differential tests of VerifyEd25519 against
// crypto/ed25519.Verify, after "Taming the many EdDSAs" (Chalkias et al.,
// 2020) and its ed25519-speccheck cases: the eight small-order points, and
// non-canonical encodings (y ≥ p, or x = 0 with the sign bit set).
var edgePoints = []string{
	"0100000000000000000000000000000000000000000000000000000000000000", // identity
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // order 2
	"0000000000000000000000000000000000000000000000000000000000000000", // order 4
	"0000000000000000000000000000000000000000000000000000000000000080", // order 4
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", // order 8
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", // order 8
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", // order 8
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85", // order 8
	"0100000000000000000000000000000000000000000000000000000000000080", // identity, x sign set
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p+1: identity
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p: order 4
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", // y = p, sign set
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", // order 2, sign set
	"d9edd3f4a79fbf95a9ab3b6b7c8ef44e7d8b1f2a3c5e6f708192a3b4c5d6e7f8", // not on the curve
	"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", // y = 2^255-1
}

// groupOrder is L, the order of the prime-order subgroup.
var groupOrder, _ = new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)

// scalarBytes encodes n (0 ≤ n < 2^256) as 32 little-endian bytes.
func scalarBytes(n *big.Int) []byte {
	be := n.FillBytes(make([]byte, 32))
	le := make([]byte, 32)
	for i := range be {
		le[31-i] = be[i]
	}
	return le
}

func mustHex(t testing.TB, s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkSameVerdict fails unless VerifyEd25519, a Verifier and
// crypto/ed25519.Verify agree.
func checkSameVerdict(t testing.TB, pub, msg, sig []byte) bool {
	t.Helper()
	want := len(pub) == ed25519.PublicKeySize && ed25519.Verify(pub, msg, sig)
	got := VerifyEd25519(pub, msg, sig)
	if got != want {
		t.Errorf("VerifyEd25519(%x, %x, %x) = %v, crypto/ed25519 says %v", pub, msg, sig, got, want)
	}
	if v := NewVerifier(pub).check(pub, msg, sig); v != want {
		t.Errorf("NewVerifier(%x).check(%x, %x) = %v, crypto/ed25519 says %v", pub, msg, sig, v, want)
	}
	return got
}

// TestVerifyEd25519KnownAnswers: RFC 8032's test vectors 1–3 verify, and each
// is refused with any bit of the message, key or signature flipped.
func TestVerifyEd25519KnownAnswers(t *testing.T) {
	for _, v := range []struct{ pub, msg, sig string }{
		{"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
			"e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
		{"3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
			"92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
		{"fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
			"6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
	} {
		pub, msg, sig := mustHex(t, v.pub), mustHex(t, v.msg), mustHex(t, v.sig)
		if !checkSameVerdict(t, pub, msg, sig) {
			t.Errorf("RFC 8032 vector %s does not verify", v.pub[:8])
		}
		for _, b := range [][]byte{pub, msg, sig} {
			for i := range len(b) * 8 {
				b[i/8] ^= 1 << (i % 8)
				if checkSameVerdict(t, pub, msg, sig) {
					t.Errorf("vector %s verifies with bit %d flipped", v.pub[:8], i)
				}
				b[i/8] ^= 1 << (i % 8)
			}
		}
	}
}

// TestVerifyEd25519EdgeCases: for every pair of edge-case encodings as the
// key A and the signature's R, with S of 0, 1, L-1, L and L+1, and for a real
// signature whose S is moved to S+L, both verifiers give the same verdict.
// These are the inputs on which Ed25519 implementations disagree.
func TestVerifyEd25519EdgeCases(t *testing.T) {
	msgs := [][]byte{nil, []byte("parley"), mustHex(t, "8c93255d71dcab10e8f379c26200f3c7bd5f09d9bc3068d3ef4edeb4853022b6")}
	var ss [][]byte
	for _, n := range []*big.Int{big.NewInt(0), big.NewInt(1), new(big.Int).Sub(groupOrder, big.NewInt(1)), groupOrder, new(big.Int).Add(groupOrder, big.NewInt(1))} {
		ss = append(ss, scalarBytes(n))
	}
	accepted := 0
	for _, a := range edgePoints {
		for _, r := range edgePoints {
			for _, s := range ss {
				for _, m := range msgs {
					if checkSameVerdict(t, mustHex(t, a), m, append(mustHex(t, r), s...)) {
						accepted++
					}
				}
			}
		}
	}
	// Small-order A and R with S = 0 satisfy the cofactorless equation for
	// some messages: the test must reach accepting cases, or it proves little.
	if accepted == 0 {
		t.Error("no edge case verified: the table no longer exercises the accepting side")
	}
	priv := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	sig := ed25519.Sign(priv, []byte("parley"))
	s := new(big.Int).SetBytes(reverse(sig[32:]))
	s.Add(s, groupOrder) // non-canonical S: same point equation, must be refused
	sig = append(sig[:32:32], scalarBytes(s)...)
	if checkSameVerdict(t, priv.Public().(ed25519.PublicKey), []byte("parley"), sig) {
		t.Error("a signature with S + L verified")
	}
}

func reverse(b []byte) []byte {
	r := make([]byte, len(b))
	for i := range b {
		r[len(b)-1-i] = b[i]
	}
	return r
}

// FuzzVerifyEd25519 compares VerifyEd25519 with crypto/ed25519.Verify. The
// fuzzer picks a key seed, a message and how to damage an honest signature:
// mode 0 keeps it, 1 XORs damage into it, 2 and 3 put damage (or an edge-case
// point) in place of the key or of R, 4 replaces S.
func FuzzVerifyEd25519(f *testing.F) {
	for i := range edgePoints {
		for mode := range byte(5) {
			f.Add(make([]byte, 32), []byte("parley"), mode, byte(i), []byte{byte(i), 1})
		}
	}
	f.Fuzz(func(t *testing.T, seed, msg []byte, mode, edge byte, damage []byte) {
		if len(seed) < ed25519.SeedSize {
			seed = append(seed, make([]byte, ed25519.SeedSize-len(seed))...)
		}
		priv := ed25519.NewKeyFromSeed(seed[:ed25519.SeedSize])
		pub := []byte(priv.Public().(ed25519.PublicKey))
		sig := ed25519.Sign(priv, msg)
		point := mustHex(t, edgePoints[int(edge)%len(edgePoints)])
		if len(damage) >= 32 {
			point = damage[:32]
		}
		switch mode % 5 {
		case 1:
			for i, d := range damage {
				sig[i%len(sig)] ^= d
			}
		case 2:
			pub = point
		case 3:
			copy(sig[:32], point)
		case 4:
			copy(sig[32:], point)
		}
		ok := checkSameVerdict(t, pub, msg, sig)
		if mode%5 == 0 && !ok {
			t.Errorf("an honest signature of %x was refused", msg)
		}
	})
}
