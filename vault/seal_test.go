package vault

import (
	"bytes"
	"errors"
	"testing"

	"github.com/dgraph-io/badger/v4"
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
