package vault

import (
	"bytes"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestChangePassphrase(t *testing.T) {
	v, dir := newVault(t)
	update(t, v, func(tx *Tx) error { return tx.PutSetting("k", []byte("v")) })
	newPass := []byte("a much better passphrase")
	if err := v.ChangePassphrase([]byte("wrong"), newPass); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("ChangePassphrase(wrong old) = %v, want ErrWrongPassphrase", err)
	}
	if err := v.ChangePassphrase(testPass, newPass); err != nil {
		t.Fatalf("ChangePassphrase: %v", err)
	}
	v.Close()
	if _, err := Open(dir, testPass, testOptions()); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("Open(old passphrase) = %v, want ErrWrongPassphrase", err)
	}
	v2, err := Open(dir, newPass, testOptions())
	if err != nil {
		t.Fatalf("Open(new passphrase): %v", err)
	}
	defer v2.Close()
	view(t, v2, func(tx *Tx) error {
		got, err := tx.GetSetting("k")
		checkEqual(t, "GetSetting after passphrase change", string(got), "v")
		return err
	})
}

// TestChangePassphraseCrash simulates a crash at each step of the header
// rewrite and checks that the vault opens with exactly one of the two
// passphrases, and that the data is intact.
func TestChangePassphraseCrash(t *testing.T) {
	newPass := []byte("new passphrase")
	steps := []struct {
		name    string
		crash   func(t *testing.T, dir string, newHeader []byte)
		openNew bool // which passphrase must work afterwards
	}{
		{"temp file half written", func(t *testing.T, dir string, nh []byte) {
			writeFile(t, filepath.Join(dir, headerTmpName), nh[:len(nh)/2])
		}, false},
		{"temp file complete, not renamed", func(t *testing.T, dir string, nh []byte) {
			writeFile(t, filepath.Join(dir, headerTmpName), nh)
		}, false},
		{"renamed", func(t *testing.T, dir string, nh []byte) {
			writeFile(t, filepath.Join(dir, headerTmpName), nh)
			if err := os.Rename(filepath.Join(dir, headerTmpName), filepath.Join(dir, headerName)); err != nil {
				t.Fatal(err)
			}
		}, true},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			v, dir := newVault(t)
			update(t, v, func(tx *Tx) error { return tx.PutSetting("k", []byte("v")) })
			nh, err := wrapKey(v.dataKey, newPass, TestKDF, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			v.Close()
			st.crash(t, dir, nh.encode())
			good, bad := testPass, newPass
			if st.openNew {
				good, bad = newPass, testPass
			}
			if _, err := Open(dir, bad, testOptions()); !errors.Is(err, ErrWrongPassphrase) {
				t.Fatalf("Open(other passphrase) = %v, want ErrWrongPassphrase", err)
			}
			v2, err := Open(dir, good, testOptions())
			if err != nil {
				t.Fatalf("Open after crash: %v", err)
			}
			defer v2.Close()
			view(t, v2, func(tx *Tx) error {
				got, err := tx.GetSetting("k")
				checkEqual(t, "GetSetting", string(got), "v")
				return err
			})
			if _, err := os.Stat(filepath.Join(dir, headerTmpName)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("stale temp header still present after Open: %v", err)
			}
		})
	}
}

func writeFile(t *testing.T, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(name, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestHeaderDamage(t *testing.T) {
	cases := []struct {
		name   string
		damage func(t *testing.T, hdr string)
		want   error
	}{
		{"missing", func(t *testing.T, hdr string) { os.Remove(hdr) }, ErrNoVault},
		{"empty", func(t *testing.T, hdr string) { writeFile(t, hdr, nil) }, ErrCorruptHeader},
		{"truncated", func(t *testing.T, hdr string) {
			b, _ := os.ReadFile(hdr)
			writeFile(t, hdr, b[:headerSize-1])
		}, ErrCorruptHeader},
		{"extended", func(t *testing.T, hdr string) {
			b, _ := os.ReadFile(hdr)
			writeFile(t, hdr, append(b, 0))
		}, ErrCorruptHeader},
		{"flipped salt byte", func(t *testing.T, hdr string) { flip(t, hdr, 25) }, ErrCorruptHeader},
		{"flipped wrapped key byte", func(t *testing.T, hdr string) { flip(t, hdr, 70) }, ErrCorruptHeader},
		{"flipped magic", func(t *testing.T, hdr string) { flip(t, hdr, 0) }, ErrCorruptHeader},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, dir := newVault(t)
			v.Close()
			c.damage(t, filepath.Join(dir, headerName))
			_, err := Open(dir, testPass, testOptions())
			if !errors.Is(err, c.want) {
				t.Fatalf("Open = %v, want %v", err, c.want)
			}
			// The damaged vault is never replaced by a new one.
			if _, err := Create(dir, testPass, testOptions()); !errors.Is(err, ErrExists) {
				t.Fatalf("Create over damaged vault = %v, want ErrExists", err)
			}
			if !Exists(dir) {
				t.Errorf("Exists = false for a damaged vault")
			}
		})
	}
}

func flip(t *testing.T, name string, off int) {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	b[off] ^= 0x01
	writeFile(t, name, b)
}

func TestOpenEmptyDir(t *testing.T) {
	dir := t.TempDir()
	if Exists(dir) {
		t.Errorf("Exists(empty dir) = true")
	}
	if _, err := Open(dir, testPass, testOptions()); !errors.Is(err, ErrNoVault) {
		t.Fatalf("Open(empty dir) = %v, want ErrNoVault", err)
	}
	if _, err := Open(filepath.Join(dir, "missing"), testPass, testOptions()); !errors.Is(err, ErrNoVault) {
		t.Fatalf("Open(missing dir) = %v, want ErrNoVault", err)
	}
}

func TestCreateRefusesBadgerFiles(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "000001.vlog"), []byte("x"))
	if _, err := Create(dir, testPass, testOptions()); !errors.Is(err, ErrExists) {
		t.Fatalf("Create over Badger files = %v, want ErrExists", err)
	}
}

// TestDefaultKDFHeader checks that the default parameters are valid and
// survive a header round trip. It derives no key: one derivation costs
// about a second (BenchmarkDefaultKDF measures it); the derivation code path
// is the one every other test runs with TestKDF.
func TestDefaultKDFHeader(t *testing.T) {
	h := &header{kdf: DefaultKDF}
	rand.Read(h.salt[:])
	rand.Read(h.wrapped[:])
	got, err := decodeHeader(h.encode())
	if err != nil {
		t.Fatalf("decodeHeader(default params): %v", err)
	}
	if *got != *h {
		t.Fatalf("decodeHeader = %+v, want %+v", got.kdf, h.kdf)
	}
	if o := (Options{}); o.kdf() != DefaultKDF {
		t.Fatalf("zero Options do not select DefaultKDF")
	}
}

func TestHeaderRejectsBadParams(t *testing.T) {
	for _, k := range []KDF{{}, {Time: 1, Memory: 7, Threads: 1}, {Time: maxKDFTime + 1, Memory: 64, Threads: 1},
		{Time: 1, Memory: maxKDFMemory + 1, Threads: 1}, {Time: 1, Memory: 64, Threads: 0}} {
		h := &header{kdf: k}
		if _, err := decodeHeader(h.encode()); !errors.Is(err, ErrCorruptHeader) {
			t.Errorf("decodeHeader(kdf %+v) = %v, want ErrCorruptHeader", k, err)
		}
		if k == (KDF{}) {
			continue // Options treats the zero KDF as DefaultKDF
		}
		if _, err := Create(t.TempDir(), testPass, Options{KDF: k}); err == nil {
			t.Errorf("Create(kdf %+v) succeeded", k)
		}
	}
}

func FuzzDecodeHeader(f *testing.F) {
	var dk [dataKeySize]byte
	h, err := wrapKey(&dk, testPass, TestKDF, rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	good := h.encode()
	f.Add(good)
	f.Add(good[:headerSize-1])
	f.Add([]byte(headerMagic))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := decodeHeader(b)
		if err != nil {
			if !errors.Is(err, ErrCorruptHeader) {
				t.Fatalf("decodeHeader error %v does not wrap ErrCorruptHeader", err)
			}
			return
		}
		if !bytes.Equal(h.encode(), b) {
			t.Fatalf("decodeHeader accepted %x, which does not re-encode identically", b)
		}
	})
}
