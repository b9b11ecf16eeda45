package vault

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"
)

// crashChildEnv names the vault directory a re-executed test binary writes
// to until it is killed (see TestMain).
const crashChildEnv = "PARLEY_VAULT_CRASH_CHILD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		if err := crashChild(dir); err != nil {
			fmt.Fprintln(os.Stderr, "crash child:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// crashChild writes messages from 4 goroutines, each message together with
// an outbox item in one transaction, and prints each ID once its Update has
// returned (committed and synced).
func crashChild(dir string) error {
	v, err := Open(dir, testPass, syncedOptions())
	if err != nil {
		return err
	}
	var out sync.Mutex
	var g sync.WaitGroup
	errs := make(chan error, 4)
	for w := range 4 {
		g.Go(func() {
			for i := range 100_000 {
				id := fmt.Sprintf("w%d-%06d", w, i)
				err := v.Update(func(tx *Tx) error {
					return errors.Join(tx.PutMessage(crashMessage(id)), tx.PutOutbox(Outbox{ID: id, To: "bob", CreatedAt: t0}))
				})
				if err != nil {
					errs <- err
					return
				}
				out.Lock()
				fmt.Println(id) // os.Stdout is unbuffered: one write per line
				out.Unlock()
			}
		})
	}
	g.Wait()
	close(errs)
	return errors.Join(<-errs, v.Close())
}

func crashMessage(id string) Message {
	return Message{ID: id, Conv: "bob", From: "alice", Text: "text of " + id, SentAt: t0, Status: "queued"}
}

// TestCrashDuringWrites kills a writer process with SIGKILL in the middle of
// a stream of synced writes and checks that every write it reported as
// committed is intact after reopening, and that no transaction is torn.
func TestCrashDuringWrites(t *testing.T) {
	v, dir := newVault(t)
	v.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var committed []string
	sc := bufio.NewScanner(stdout)
	deadline := time.Now().Add(30 * time.Second)
	for sc.Scan() {
		committed = append(committed, sc.Text())
		if len(committed) == 400 || time.Now().After(deadline) {
			cmd.Process.Kill() // SIGKILL on Unix
		}
	}
	err = cmd.Wait()
	if len(committed) < 400 {
		t.Fatalf("child wrote only %d messages before exiting: %v", len(committed), err)
	}
	t.Logf("child killed after %d committed writes (%v)", len(committed), err)

	v = reopen(t, dir)
	view(t, v, func(tx *Tx) error {
		for _, id := range committed {
			m, err := tx.GetMessage("bob", id)
			if err != nil || m != crashMessage(id) {
				t.Fatalf("committed message %s after crash: %+v, %v", id, m, err)
			}
			if _, err := tx.GetOutbox(id); err != nil {
				t.Fatalf("committed outbox %s after crash: %v", id, err)
			}
		}
		msgs, err := tx.History("bob", "", 1_000_000)
		if err != nil {
			return err
		}
		n, err := tx.CountOutbox()
		if n != len(msgs) {
			t.Errorf("%d messages but %d outbox items: a transaction was torn", len(msgs), n)
		}
		return err
	})
}
