package vaulttest_test

import (
	"testing"

	"github.com/parley-chat/parley/vault"
	"github.com/parley-chat/parley/vault/vaulttest"
)

func TestOpen(t *testing.T) {
	for name, v := range map[string]*vault.Vault{"memory": vaulttest.Open(t), "dir": vaulttest.OpenDir(t, t.TempDir())} {
		err := v.Update(func(tx *vault.Tx) error { return tx.PutSetting("k", []byte("v")) })
		if err != nil {
			t.Fatalf("%s: Update: %v", name, err)
		}
		err = v.View(func(tx *vault.Tx) error {
			_, err := tx.GetSetting("k")
			return err
		})
		if err != nil {
			t.Fatalf("%s: View: %v", name, err)
		}
	}
}
