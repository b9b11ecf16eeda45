package vault

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoPlaintextOnDisk writes a known message, a private key and uses a
// known passphrase, then scans every byte of every file of the vault
// directory (while open, and after Close) and the logs for them.
func TestNoPlaintextOnDisk(t *testing.T) {
	for _, threshold := range []int64{0, 64} { // values in the LSM tree / in the value log
		t.Run(fmt.Sprintf("valueThreshold%d", threshold), func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			opts := testOptions()
			opts.valueThreshold = threshold
			opts.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			pass := []byte("PASSPHRASE-CANARY-7f3a")
			privKey := make([]byte, 64)
			rand.Read(privKey)
			text := "PLAINTEXT-CANARY meet me at the old mill at noon " + strings.Repeat("x", 200)
			dir := t.TempDir()
			v, err := Create(dir, pass, opts)
			if err != nil {
				t.Fatal(err)
			}
			dataKey := bytes.Clone(v.dataKey[:])
			update(t, v, func(tx *Tx) error {
				p := sampleProfile()
				p.IdentityKey = privKey
				m := sampleMessage()
				m.Text = text
				long := sampleMessage() // a text stored apart (schema 2)
				long.ID, long.Text = "m-long", "LONGTEXT-CANARY "+strings.Repeat("y", textApartBytes)
				return errors.Join(tx.PutProfile(p), tx.PutMessage(m), tx.PutMessage(long), tx.PutSession("peer", privKey))
			})
			if err := v.db.Sync(); err != nil {
				t.Fatal(err)
			}
			secrets := map[string][]byte{
				"message text": []byte("PLAINTEXT-CANARY"), "long text": []byte("LONGTEXT-CANARY"), "private key": privKey,
				"passphrase": pass, "data key": dataKey,
			}
			scanDir(t, dir, secrets)
			if err := v.Close(); err != nil {
				t.Fatal(err)
			}
			scanDir(t, dir, secrets)
			for what, s := range secrets {
				if bytes.Contains(logs.Bytes(), s) {
					t.Errorf("%s found in the logs", what)
				}
			}
			if logs.Len() == 0 {
				t.Errorf("no logs at all: is the Badger logger wired?")
			}
		})
	}
}

// scanDir fails the test if any file under dir contains any secret.
func scanDir(t *testing.T, dir string, secrets map[string][]byte) {
	t.Helper()
	files := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		for what, s := range secrets {
			if bytes.Contains(b, s) {
				t.Errorf("%s found in %s", what, path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 3 {
		t.Fatalf("scanned only %d files: is the data on disk?", files)
	}
}
