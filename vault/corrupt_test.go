package vault

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFlippedByteDetected damages one byte of a value log or table file at
// many offsets and checks that every read returns the original value or an
// error (ErrIntegrity or a Badger error), never a wrong value.
func TestFlippedByteDetected(t *testing.T) {
	for _, c := range []struct {
		ext       string
		threshold int64 // ValueThreshold: small puts values in the value log
	}{{".vlog", 64}, {".sst", 0}} {
		t.Run(strings.TrimPrefix(c.ext, "."), func(t *testing.T) {
			t.Parallel()
			template := t.TempDir()
			want := writeCorpus(t, template, c.threshold)
			file := onlyFile(t, template, c.ext)
			size := fileSize(t, filepath.Join(template, file))
			const probes = 16
			detected, kinds := 0, map[string]int{}
			for i := range probes {
				off := size * int64(i) / probes
				dir := t.TempDir()
				copyDir(t, template, dir)
				flip(t, filepath.Join(dir, file), int(off))
				if kind := readCorpus(t, dir, c.threshold, want); kind != "" {
					detected++
					kinds[kind]++
				}
			}
			t.Logf("%s of %d bytes: %d of %d single-byte flips detected %v, the rest harmless", c.ext, size, detected, probes, kinds)
			if detected == 0 {
				t.Fatalf("no flip in %s was detected: were the values in that file?", c.ext)
			}
		})
	}
}

// writeCorpus creates a vault in dir holding 16 settings of 2 KiB each and
// returns them.
func writeCorpus(t *testing.T, dir string, threshold int64) map[string][]byte {
	opts := testOptions()
	opts.valueThreshold = threshold
	v, err := Create(dir, testPass, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{}
	update(t, v, func(tx *Tx) error {
		for i := range 16 {
			name, val := fmt.Sprintf("s%02d", i), bytes.Repeat([]byte{byte('a' + i)}, 2048)
			want[name] = val
			if err := tx.PutSetting(name, val); err != nil {
				return err
			}
		}
		return nil
	})
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	return want
}

// readCorpus opens the vault in dir and reads every setting. It reports
// how damage was detected ("" if it was not), and fails the test on a
// wrong value.
func readCorpus(t *testing.T, dir string, threshold int64, want map[string][]byte) (kind string) {
	t.Helper()
	opts := testOptions()
	opts.valueThreshold = threshold
	v, err := Open(dir, testPass, opts)
	if err != nil {
		return "open" // Badger refused the damaged file at open
	}
	defer v.Close()
	for name, val := range want {
		err := v.View(func(tx *Tx) error {
			got, err := tx.GetSetting(name)
			if err == nil && !bytes.Equal(got, val) {
				t.Fatalf("setting %s read back a WRONG value after corruption", name)
			}
			return err
		})
		switch {
		case errors.Is(err, ErrIntegrity):
			kind = "integrity"
		case err != nil && kind == "":
			kind = "read"
		}
	}
	return kind
}

func onlyFile(t *testing.T, dir, ext string) string {
	t.Helper()
	var found []string
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ext) && fileSize(t, path) > 0 {
			rel, _ := filepath.Rel(dir, path)
			found = append(found, rel)
		}
		return err
	})
	if len(found) != 1 {
		t.Fatalf("want one non-empty %s file, found %v", ext, found)
	}
	return found[0]
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o700)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
}
