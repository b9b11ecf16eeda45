package vault

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

var testPass = []byte("correct horse battery staple")

// testOptions are cheap options for on-disk test vaults: test KDF, and no
// fsync (tests of durability use syncedOptions).
func testOptions() Options {
	return Options{KDF: TestKDF, NoSync: true}
}

// syncedOptions are testOptions with the production durability setting.
func syncedOptions() Options {
	return Options{KDF: TestKDF}
}

// newVault creates an on-disk vault in a temp dir, closed at test end.
func newVault(t testing.TB) (*Vault, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "vault")
	v, err := Create(dir, testPass, testOptions())
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	t.Cleanup(func() { v.Close() })
	return v, dir
}

// reopen opens dir with testPass, closed at test end.
func reopen(t testing.TB, dir string) *Vault {
	t.Helper()
	v, err := Open(dir, testPass, testOptions())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

func TestCreateOpenClose(t *testing.T) {
	v, dir := newVault(t)
	if !Exists(dir) {
		t.Fatalf("Exists(%s) = false after Create", dir)
	}
	if err := v.Update(func(tx *Tx) error { return tx.PutSetting("k", []byte("v")) }); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if err := v.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := v.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := v.View(func(*Tx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Fatalf("View after Close = %v, want ErrClosed", err)
	}
	v2 := reopen(t, dir)
	var got []byte
	err := v2.View(func(tx *Tx) (err error) {
		got, err = tx.GetSetting("k")
		return err
	})
	if err != nil || string(got) != "v" {
		t.Fatalf("GetSetting after reopen = %q, %v; want \"v\"", got, err)
	}
	if _, err := Create(dir, testPass, testOptions()); !errors.Is(err, ErrExists) {
		t.Fatalf("Create over existing vault = %v, want ErrExists", err)
	}
}

func TestWrongPassphrase(t *testing.T) {
	v, dir := newVault(t)
	v.Close()
	if _, err := Open(dir, []byte("wrong"), testOptions()); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("Open with wrong passphrase = %v, want ErrWrongPassphrase", err)
	}
	// Badger is never opened with a wrong key: had it been, it would have
	// recreated its (removed) directory.
	db := filepath.Join(dir, dbDirName)
	if err := os.RemoveAll(db); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, []byte("wrong"), testOptions()); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("Open with wrong passphrase = %v, want ErrWrongPassphrase", err)
	}
	if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("database directory touched by a wrong-passphrase Open: %v", err)
	}
}

func TestInMemory(t *testing.T) {
	opts := testOptions()
	opts.InMemory = true
	v, err := Create(t.TempDir(), testPass, opts)
	if err != nil {
		t.Fatalf("Create in memory: %v", err)
	}
	defer v.Close()
	if err := v.Update(func(tx *Tx) error { return tx.PutSession("p", []byte("blob")) }); err != nil {
		t.Fatalf("Update: %v", err)
	}
	var got []byte
	v.View(func(tx *Tx) (err error) { got, err = tx.GetSession("p"); return err })
	if string(got) != "blob" {
		t.Fatalf("GetSession = %q, want blob", got)
	}
}
