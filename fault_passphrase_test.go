package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/parley-chat/parley/vault"
)

const passChildEnv = "PARLEY_TEST_PASSCHANGE_DIR"

var passA, passB = []byte("old passphrase A"), []byte("new passphrase B")

// TestFaultPassphraseChangeKilled (issue 6, item 20): a child process
// changes a vault's passphrase back and forth (A → B → A …) as fast as it
// can and is SIGKILLed at a random moment — in the Argon2id run, while the
// new header is written, synced or renamed. Every time, the vault opens
// with exactly one of the two passphrases and its data is intact; it never
// opens with neither. 20 kills in CI, 200 with PARLEY_LONG=1. (The vault
// package simulates each step of the rewrite in TestChangePassphraseCrash;
// this is the real kill.)
func TestFaultPassphraseChangeKilled(t *testing.T) {
	if dir := os.Getenv(passChildEnv); dir != "" {
		passphraseChild(dir) // never returns
	}
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	dir := t.TempDir()
	v, err := vault.Create(dir, passA, vault.Options{KDF: vault.TestKDF})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Update(func(tx *vault.Tx) error { return tx.PutSetting("canary", []byte("intact")) }); err != nil {
		t.Fatal(err)
	}
	v.Close()
	rng := seededRand(t)
	kills := pick(20, 200)
	opened := map[string]int{}
	for k := range kills {
		cmd := exec.Command(os.Args[0], "-test.run=^TestFaultPassphraseChangeKilled$")
		cmd.Env = append(os.Environ(), passChildEnv+"="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		if !sc.Scan() { // "ready": the vault is open in the child
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("kill %d: the child did not open the vault", k)
		}
		time.Sleep(time.Duration(rng.IntN(60_000)) * time.Microsecond) // the random kill point
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		which := openEither(t, dir)
		opened[which]++
	}
	t.Logf("%d kills: opened with %v", kills, opened)
}

// openEither opens the vault with A or B (exactly one must work), checks
// the canary, and returns which passphrase worked.
func openEither(t *testing.T, dir string) string {
	t.Helper()
	var worked []string
	for name, p := range map[string][]byte{"A": passA, "B": passB} {
		v, err := vault.Open(dir, p, vault.Options{KDF: vault.TestKDF})
		if errors.Is(err, vault.ErrWrongPassphrase) {
			continue
		}
		if err != nil {
			t.Fatalf("open with %s after the kill: %v", name, err)
		}
		var got []byte
		err = v.View(func(tx *vault.Tx) error {
			var err error
			got, err = tx.GetSetting("canary")
			return err
		})
		v.Close()
		if err != nil || string(got) != "intact" {
			t.Fatalf("canary after the kill = %q, %v", got, err)
		}
		worked = append(worked, name)
	}
	if len(worked) != 1 {
		t.Fatalf("after the kill the vault opens with %v, want exactly one of A, B", worked)
	}
	return worked[0]
}

// passphraseChild flips the passphrase of the vault in dir until killed.
func passphraseChild(dir string) {
	cur, next := passA, passB
	v, err := vault.Open(dir, cur, vault.Options{KDF: vault.TestKDF})
	if err != nil {
		cur, next = next, cur
		if v, err = vault.Open(dir, cur, vault.Options{KDF: vault.TestKDF}); err != nil {
			fmt.Fprintln(os.Stderr, "child: open:", err)
			os.Exit(2)
		}
	}
	fmt.Println("ready")
	for {
		if err := v.ChangePassphrase(cur, next); err != nil {
			fmt.Fprintln(os.Stderr, "child: change:", err)
			os.Exit(3)
		}
		cur, next = next, cur
	}
}
