package vault

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/dgraph-io/badger/v4"
	"golang.org/x/crypto/chacha20poly1305"
)

// fixedSealer is a sealer under an all-0x42 data key (fuzzing, unit tests).
func fixedSealer(t testing.TB) *sealer {
	s, err := newSealer(bytes.Repeat([]byte{0x42}, dataKeySize))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSealOpen(t *testing.T) {
	s := fixedSealer(t)
	k, plain := []byte("c/peer"), []byte("value")
	sealed := s.seal(k, plain)
	if got, err := s.open(k, sealed); err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("open(seal) = %q, %v; want %q", got, err, plain)
	}
	if _, err := s.open([]byte("c/other"), sealed); !errors.Is(err, ErrIntegrity) {
		t.Errorf("open under another key = %v, want ErrIntegrity", err)
	}
	for i := range sealed {
		bad := bytes.Clone(sealed)
		bad[i] ^= 0x80
		if got, err := s.open(k, bad); !errors.Is(err, ErrIntegrity) {
			t.Fatalf("open with byte %d flipped = %q, %v; want ErrIntegrity", i, got, err)
		}
	}
	if _, err := s.open(k, sealed[:recordOverhead-1]); !errors.Is(err, ErrIntegrity) {
		t.Errorf("open(truncated) = %v, want ErrIntegrity", err)
	}
}

// TestSealInPlace checks that a value sealed over its own buffer (records
// and long texts) is the same format as seal's: it opens, it is exactly
// XChaCha20-Poly1305 under the HKDF subkey with the version and key as
// associated data (rebuilt here from the primitives), the ciphertext took
// the plaintext's place (no second buffer), and no plaintext is left in it.
func TestSealInPlace(t *testing.T) {
	s := fixedSealer(t)
	sub, err := hkdf.Key(sha256.New, bytes.Repeat([]byte{0x42}, dataKeySize), nil, recordLabel, chacha20poly1305.KeySize)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := chacha20poly1305.NewX(sub)
	if err != nil {
		t.Fatal(err)
	}
	k := []byte("m/conv/0001")
	for _, n := range []int{0, 1, 100, 70_000} {
		plain := bytes.Repeat([]byte("parley "), n/7+1)[:n]
		buf := append(sealBuffer(n), plain...)
		sealed := s.sealInPlace(k, buf)
		if len(sealed) != recordOverhead+n || sealed[0] != recordVersion {
			t.Fatalf("n=%d: sealed %d bytes, version %d; want %d, %d", n, len(sealed), sealed[0], recordOverhead+n, recordVersion)
		}
		if &sealed[0] != &buf[0] {
			t.Errorf("n=%d: sealInPlace allocated a new buffer", n)
		}
		if n >= 16 && bytes.Contains(sealed, plain[:16]) {
			t.Errorf("n=%d: plaintext left in the sealed value", n)
		}
		want := ref.Seal(append([]byte{recordVersion}, sealed[1:sealHead]...), sealed[1:sealHead], plain, append([]byte{recordVersion}, k...))
		if !bytes.Equal(sealed, want) {
			t.Fatalf("n=%d: sealInPlace differs from XChaCha20-Poly1305 built from the primitives", n)
		}
		if got, err := s.open(k, sealed); err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("n=%d: open(sealInPlace) = %d bytes, %v", n, len(got), err)
		}
	}
}

// TestSwappedValues moves a sealed value under another Badger key (as an
// attacker who can edit the files could) and checks that reading it fails.
func TestSwappedValues(t *testing.T) {
	v, _ := newVault(t)
	update(t, v, func(tx *Tx) error {
		return errors.Join(tx.PutSetting("a", []byte("alpha")), tx.PutSetting("b", []byte("beta")))
	})
	err := v.db.Update(func(txn *badger.Txn) error {
		item, err := txn.Get([]byte(pfxSetting + "a"))
		if err != nil {
			return err
		}
		raw, err := item.ValueCopy(nil)
		if err != nil {
			return err
		}
		return txn.Set([]byte(pfxSetting+"b"), raw)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = v.View(func(tx *Tx) error {
		got, err := tx.GetSetting("b")
		if !errors.Is(err, ErrIntegrity) {
			t.Errorf("GetSetting(b) after swap = %q, %v; want ErrIntegrity", got, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func FuzzOpenRecord(f *testing.F) {
	s := fixedSealer(f)
	f.Add([]byte("c/peer"), s.seal([]byte("c/peer"), []byte("hello")))
	f.Add([]byte("t/x"), s.seal([]byte("t/x"), nil))
	f.Add([]byte(""), []byte{recordVersion})
	f.Add([]byte("h/"), make([]byte, recordOverhead))
	f.Fuzz(func(t *testing.T, key, sealed []byte) {
		plain, err := s.open(key, sealed)
		if err != nil {
			if !errors.Is(err, ErrIntegrity) {
				t.Fatalf("open error %v is not ErrIntegrity", err)
			}
			return
		}
		// Only genuine seals open: re-sealing must round trip.
		again, err := s.open(key, s.seal(key, plain))
		if err != nil || !bytes.Equal(again, plain) {
			t.Fatalf("re-seal round trip failed: %v", err)
		}
	})
}
