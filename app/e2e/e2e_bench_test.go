package e2e

import (
	"crypto/ed25519"
	"fmt"
	"slices"
	"testing"
	"time"

	"golang.org/x/crypto/nacl/secretbox"
)

var benchSizes = []int{100, 1 << 10, 64 << 10}

// BenchmarkSeal is (*Session).Seal in a steady conversation (no turn): pad,
// chain step, key derivation, secretbox, Ed25519 signature.
func BenchmarkSeal(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			_, _, sa, _, rnd := pair(b, "bench")
			msg := make([]byte, n)
			mustSeal(b, sa, rnd, "first") // make the sending chain
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := sa.Seal(rnd, msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkOpen is (*Session).Open of the next message in the chain:
// signature check, header parse, chain step, key derivation, secretbox open,
// unpad. The ratchet is rewound after each iteration.
func BenchmarkOpen(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			_, _, sa, sb, rnd := pair(b, "bench")
			mustOpen(b, sb, mustSeal(b, sa, rnd, "first"), "first")
			env := mustSeal(b, sa, rnd, string(make([]byte, n)))
			saved := sb.r
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := sb.Open(env); err != nil {
					b.Fatal(err)
				}
				sb.r = saved
			}
		})
	}
}

// BenchmarkBareSealSign is the floor for Seal: secretbox.Seal and
// ed25519.Sign of the same number of bytes, with a fixed key and nonce.
func BenchmarkBareSealSign(b *testing.B) {
	priv := ed25519.NewKeyFromSeed(make([]byte, 32))
	var key [32]byte
	var nonce [24]byte
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			msg := make([]byte, n)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				ct := secretbox.Seal(nil, msg, &nonce, &key)
				_ = ed25519.Sign(priv, ct)
			}
		})
	}
}

// BenchmarkBareVerifyOpen is the floor for Open: VerifyEd25519 (the verifier Open uses) and
// secretbox.Open of the same number of bytes.
func BenchmarkBareVerifyOpen(b *testing.B) {
	priv := ed25519.NewKeyFromSeed(make([]byte, 32))
	pub := priv.Public().(ed25519.PublicKey)
	var key [32]byte
	var nonce [24]byte
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			ct := secretbox.Seal(nil, make([]byte, n), &nonce, &key)
			sig := ed25519.Sign(priv, ct)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				if !VerifyEd25519(pub, ct, sig) {
					b.Fatal("verify")
				}
				if _, ok := secretbox.Open(nil, ct, &nonce, &key); !ok {
					b.Fatal("open")
				}
			}
		})
	}
}

// BenchmarkRatio interleaves, in every iteration, one Seal+Open of the
// session with one bare secretbox seal+open plus Ed25519 sign+verify of the
// same plaintext size, and reports the median time of each and the ratio of
// the medians. Interleaving and medians keep the ratio honest on a shared
// machine whose load changes during the run (preemption spikes hit single
// iterations, which the median ignores).
func BenchmarkRatio(b *testing.B) {
	priv := ed25519.NewKeyFromSeed(make([]byte, 32))
	pub := priv.Public().(ed25519.PublicKey)
	var key [32]byte
	var nonce [24]byte
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			_, _, sa, sb, rnd := pair(b, "bench")
			mustOpen(b, sb, mustSeal(b, sa, rnd, "first"), "first")
			msg := make([]byte, n)
			var ours, bare []time.Duration
			for b.Loop() {
				t0 := time.Now()
				env, err := sa.Seal(rnd, msg)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := sb.Open(env); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				ct := secretbox.Seal(nil, msg, &nonce, &key)
				sig := ed25519.Sign(priv, ct)
				if !VerifyEd25519(pub, ct, sig) {
					b.Fatal("verify")
				}
				if _, ok := secretbox.Open(nil, ct, &nonce, &key); !ok {
					b.Fatal("open")
				}
				t2 := time.Now()
				ours = append(ours, t1.Sub(t0))
				bare = append(bare, t2.Sub(t1))
			}
			mo, mb := median(ours), median(bare)
			b.ReportMetric(float64(mo.Nanoseconds()), "e2e-median-ns")
			b.ReportMetric(float64(mb.Nanoseconds()), "bare-median-ns")
			b.ReportMetric(float64(mo)/float64(mb), "ratio")
		})
	}
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
