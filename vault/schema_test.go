package vault

import (
	"errors"
	"testing"
)

func schemaVersion(t *testing.T, v *Vault) uint32 {
	t.Helper()
	var got uint32
	view(t, v, func(tx *Tx) (err error) {
		got, err = tx.SchemaVersion()
		return err
	})
	return got
}

func TestMigrations(t *testing.T) {
	v, dir := newVault(t)
	if got := schemaVersion(t, v); got != SchemaVersion {
		t.Fatalf("new vault schema = %d, want %d", got, SchemaVersion)
	}
	update(t, v, func(tx *Tx) error { return tx.PutSetting("name", []byte("old")) })
	v.Close()

	var ran []uint32
	opts := testOptions()
	// Two schema versions beyond this build's: steps s and s+1.
	s := uint32(SchemaVersion)
	opts.schema = s + 2
	opts.migrations = map[uint32]func(*Tx) error{
		s:     func(tx *Tx) error { ran = append(ran, s); return tx.PutSetting("name", []byte("v2")) },
		s + 1: func(tx *Tx) error { ran = append(ran, s+1); return errors.New("boom") },
	}
	if _, err := Open(dir, testPass, opts); err == nil {
		t.Fatalf("Open with a failing migration succeeded")
	}
	// Step 1 committed (with its version bump), step 2 did not.
	opts.migrations[s+1] = func(tx *Tx) error {
		ran = append(ran, s+1)
		b, err := tx.GetSetting("name")
		if err != nil {
			return err
		}
		return tx.PutSetting("name", append(b, "+v3"...))
	}
	v, err := Open(dir, testPass, opts)
	if err != nil {
		t.Fatalf("Open with migrations: %v", err)
	}
	if got := schemaVersion(t, v); got != s+2 {
		t.Errorf("schema after migration = %d, want %d", got, s+2)
	}
	view(t, v, func(tx *Tx) error {
		b, err := tx.GetSetting("name")
		checkEqual(t, "migrated setting", string(b), "v2+v3")
		return err
	})
	checkEqual(t, "migrations run", ran, []uint32{s, s + 1, s + 1})
	v.Close()

	if _, err := Open(dir, testPass, testOptions()); !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("Open of a newer schema = %v, want ErrNewerSchema", err)
	}
}
