package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/curve25519"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/parley-chat/parley/vault"
)

// TestLeakScan (issue 6, item 21): a scripted session — friend request with
// a greeting, 200 messages (1,000 with PARLEY_LONG=1) both ways, online and
// through the mailbox while the receiver is away, a node restart — with every
// process logging at Debug level. Afterwards no plaintext, no greeting, no
// passphrase and no private key material (identity keys, ratchet root and
// chain keys, in raw, hex, base64 or base32 form) is in any file of the
// node's data dir, the clients' data dirs, any file written to $TMPDIR
// during the test, or any process's log.
func TestLeakScan(t *testing.T) {
	t.Setenv("E2E_CLIENT_LOG", "debug")
	t.Setenv("PARLEY_LOG", "debug") // the node's level
	start := time.Now()
	w := newWorld(t)
	secrets := [][]byte{[]byte(e2ePass), []byte("first from alice"), []byte("first from bob")}
	n := pick(200, 1000)
	secret := func(i int) string {
		b := make([]byte, 8)
		rand.Read(b)
		return fmt.Sprintf("leak-probe %d %x", i, b)
	}
	for i := 0; i < n; i++ {
		text := secret(i)
		secrets = append(secrets, []byte(text))
		switch {
		case i == n/2: // half-time: bob away, node restarted, mailbox path
			w.bob.quit()
			w.restartNode(false)
			waitReachable(t, w.alice, true)
			w.alice.ok("send", map[string]any{"to": w.bobID, "text": text})
		case i > n/2 && i < n/2+n/4:
			w.alice.ok("send", map[string]any{"to": w.bobID, "text": text})
		case i == n/2+n/4:
			w.alice.ok("send", map[string]any{"to": w.bobID, "text": text})
			w.bob = startClient(t, w.bin, w.bobDir, "bob")
		case i%2 == 0:
			w.alice.ok("send", map[string]any{"to": w.bobID, "text": text})
		default:
			w.bob.ok("send", map[string]any{"to": w.aliceID, "text": text})
		}
	}
	waitAllDelivered(t, w.alice, w.bobID, 2*n, time.Minute)
	waitAllDelivered(t, w.bob, w.aliceID, 2*n, time.Minute)
	logs := map[string]string{}
	w.alice.quit()
	w.bob.quit()
	logs["alice stderr"], logs["bob stderr"] = w.alice.stderr.String(), w.bob.stderr.String()
	w.stopNode(false)
	logs["node stderr"] = w.node.stderr.String()
	if !strings.Contains(logs["alice stderr"], "level=DEBUG") || !strings.Contains(logs["node stderr"], "level=DEBUG") {
		t.Fatalf("logs are not at Debug level (alice %d bytes, node %d bytes)", len(logs["alice stderr"]), len(logs["node stderr"]))
	}
	keys := keyMaterial(t, w.aliceDir, w.bobDir)
	t.Logf("%d plaintexts, %d private key values, logs %d+%d+%d bytes", len(secrets), len(keys), len(logs["alice stderr"]), len(logs["bob stderr"]), len(logs["node stderr"]))
	for _, k := range keys {
		secrets = append(secrets, k, []byte(hex.EncodeToString(k)), []byte(base64.StdEncoding.EncodeToString(k)),
			[]byte(base64.RawURLEncoding.EncodeToString(k)), []byte(strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(k))))
	}
	for name, text := range logs {
		scanBytes(t, name, []byte(text), secrets)
	}
	files := scanTree(t, w.root, time.Time{}, secrets)
	files += scanTree(t, os.TempDir(), start, secrets)
	t.Logf("scanned %d files", files)
}

// keyMaterial opens both vaults and returns every private 32-byte value of
// the identity and session blobs: every 32-byte field that is not the public
// half (X25519 or Ed25519) of another one.
func keyMaterial(t *testing.T, dirs ...string) [][]byte {
	t.Helper()
	var cands [][]byte
	for _, d := range dirs {
		v, err := vault.Open(filepath.Join(d, "vault"), []byte(e2ePass), vault.Options{})
		if err != nil {
			t.Fatalf("open %s: %v", d, err)
		}
		err = v.View(func(tx *vault.Tx) error {
			p, err := tx.GetProfile()
			if err != nil {
				return err
			}
			cands = fields32(p.IdentityKey, cands)
			list, err := tx.ListContacts()
			for _, c := range list {
				if s, err := tx.GetSession(c.PeerID); err == nil {
					cands = sessionFields32(s, cands)
				}
			}
			return err
		})
		v.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	public := map[string]bool{}
	for _, c := range cands {
		if pub, err := curve25519.X25519(c, curve25519.Basepoint); err == nil {
			public[string(pub)] = true
		}
		public[string(ed25519.NewKeyFromSeed(c).Public().(ed25519.PublicKey))] = true
	}
	var out [][]byte
	for _, c := range cands {
		if !public[string(c)] && !bytes.Equal(c, make([]byte, 32)) {
			out = append(out, c)
		}
	}
	if len(out) < 4 {
		t.Fatalf("found only %d private key values in the vaults", len(out))
	}
	return out
}

// sessionPublic are the top-level SessionState fields (app/e2e/wire.proto)
// that hold the friend's public keys: remote_ed25519, remote_x25519,
// dh_remote and previous_remote. Envelope headers carry the ratchet keys,
// so they are on the node by design, and once the friend has stepped its
// ratchet no vault holds their private halves any more.
var sessionPublic = map[protowire.Number]bool{3: true, 4: true, 8: true, 17: true}

// sessionFields32 is fields32 for a SessionState blob, without the
// friend's public keys.
func sessionFields32(b []byte, out [][]byte) [][]byte {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return out
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			return out
		}
		if !sessionPublic[num] {
			out = fields32(b[:n+m], out)
		}
		b = b[n+m:]
	}
	return out
}

// fields32 appends every 32-byte length-delimited field of a protobuf
// message (recursing into nested messages), and the first half of every
// 64-byte one (an Ed25519 private key's seed).
func fields32(b []byte, out [][]byte) [][]byte {
	for len(b) > 0 {
		_, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return out
		}
		b = b[n:]
		if typ != protowire.BytesType {
			if n = protowire.ConsumeFieldValue(0, typ, b); n < 0 {
				return out
			}
			b = b[n:]
			continue
		}
		v, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return out
		}
		b = b[n:]
		switch len(v) {
		case 32:
			out = append(out, bytes.Clone(v))
		case 64:
			out = append(out, bytes.Clone(v[:32]))
		default:
			out = fields32(v, out)
		}
	}
	return out
}

// scanTree scans every regular file under dir modified after since (all if
// zero), skipping files over 64 MiB, build caches and what cannot be read. It returns
// how many files it read.
func scanTree(t *testing.T, dir string, since time.Time, secrets [][]byte) int {
	t.Helper()
	files := 0
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // vanished or unreadable: another process's temp file
		}
		if d.IsDir() && path != dir && skipDir(d.Name()) {
			return fs.SkipDir
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil || info.Size() > 64<<20 || (!since.IsZero() && info.ModTime().Before(since)) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		files++
		scanBytes(t, path, b, secrets)
		return nil
	})
	return files
}

// skipDir names $TMPDIR directories that hold no parley data: our binary,
// Go build scratch space, and the tool harness's own directories.
func skipDir(name string) bool {
	for _, p := range []string{"parley-sectest-", "go-build", "bash_", "cgo-", "."} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

func scanBytes(t *testing.T, where string, b []byte, secrets [][]byte) {
	t.Helper()
	if i, s := findSecret(b, secrets); i >= 0 {
		t.Errorf("%s holds a secret at offset %d: %q", where, i, s)
	}
}

// findSecret returns the offset of the first secret found in b (-1 if none).
func findSecret(b []byte, secrets [][]byte) (int, []byte) {
	for _, s := range secrets {
		if i := bytes.Index(b, s); i >= 0 {
			return i, s
		}
	}
	return -1, nil
}

// TestLeakScannerFindsPlanted is the scanner's positive control: key
// material planted in any of the encodings, and a plaintext inside a
// binary file, are found.
func TestLeakScannerFindsPlanted(t *testing.T) {
	k := make([]byte, 32)
	rand.Read(k)
	enc := [][]byte{k, []byte(hex.EncodeToString(k)), []byte(base64.StdEncoding.EncodeToString(k)),
		[]byte(base64.RawURLEncoding.EncodeToString(k)), []byte(strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(k)))}
	for i, e := range enc {
		blob := append(append(make([]byte, 1000), e...), 0, 1, 2)
		if at, _ := findSecret(blob, enc); at != 1000 {
			t.Errorf("encoding %d planted at 1000 found at %d", i, at)
		}
	}
	if at, _ := findSecret([]byte("\x00\x01leak-probe 7 00ff"), [][]byte{[]byte("leak-probe 7 00ff")}); at != 2 {
		t.Errorf("plaintext found at %d, want 2", at)
	}
	if got := fields32(append([]byte{0x0a, 32}, k...), nil); len(got) != 1 || !bytes.Equal(got[0], k) {
		t.Errorf("fields32 found %d keys in a one-field message", len(got))
	}
}
