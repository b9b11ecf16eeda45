// Package vaulttest gives tests of other packages a ready vault.
package vaulttest

import (
	"testing"

	"github.com/parley-chat/parley/vault"
)

// Passphrase is the passphrase of vaults made by Open and OpenDir.
var Passphrase = []byte("vaulttest passphrase")

// Open returns a new in-memory vault (cheap KDF; the header lives in a
// t.TempDir) that is closed when the test ends.
func Open(t testing.TB) *vault.Vault {
	t.Helper()
	return create(t, t.TempDir(), true)
}

// OpenDir returns a new on-disk vault in dir (cheap KDF) that is closed when
// the test ends; reopen it with vault.Open(dir, Passphrase, Options()).
func OpenDir(t testing.TB, dir string) *vault.Vault {
	t.Helper()
	return create(t, dir, false)
}

// Options are the options Open and OpenDir use for on-disk vaults.
func Options() vault.Options {
	return vault.Options{KDF: vault.TestKDF}
}

func create(t testing.TB, dir string, inMemory bool) *vault.Vault {
	t.Helper()
	opts := Options()
	opts.InMemory = inMemory
	v, err := vault.Create(dir, Passphrase, opts)
	if err != nil {
		t.Fatalf("vaulttest: create vault: %v", err)
	}
	t.Cleanup(func() {
		if err := v.Close(); err != nil {
			t.Errorf("vaulttest: close vault: %v", err)
		}
	})
	return v
}
