// Parley patch test (see PARLEY.md): durability of the logs and tables
// written through the file descriptor.

package badger

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

const (
	parleyChildDir   = "PARLEY_BADGER_CRASH_DIR"
	parleyChildRound = "PARLEY_BADGER_CRASH_ROUND"
	parleyKeysPerTxn = 3
)

// parleyCrashOptions: synced and encrypted as parley's vault, with a small
// memtable (tables are flushed and compacted often) and a value threshold
// that sends every other value to the value log.
func parleyCrashOptions(dir string) Options {
	return DefaultOptions(dir).WithSyncWrites(true).WithLogger(nil).
		WithEncryptionKey(bytes.Repeat([]byte{7}, 32)).WithIndexCacheSize(1 << 20).
		WithMemTableSize(1 << 20).WithValueThreshold(1 << 10).WithNumLevelZeroTables(2).
		WithValueLogFileSize(4 << 20)
}

// parleyValue is key's value: 100 B (kept in the LSM tree) or 8 KiB (value
// log), derived from the key so that a torn or misplaced value shows.
func parleyValue(key string) []byte {
	sum := sha256.Sum256([]byte(key))
	n := 100
	if sum[0]&1 == 1 {
		n = 8 << 10
	}
	return bytes.Repeat(sum[:], n/len(sum)+1)[:n]
}

func parleyKey(round, txn, i int) string { return fmt.Sprintf("r%02d-%07d-%d", round, txn, i) }

// parleyCrashChild writes synced transactions until it is killed, printing
// each transaction's number once Update has returned.
func parleyCrashChild(dir string, round int) error {
	db, err := Open(parleyCrashOptions(dir))
	if err != nil {
		return err
	}
	out := bufio.NewWriter(os.Stdout)
	for txn := 0; txn < 1_000_000; txn++ {
		err := db.Update(func(tx *Txn) error {
			for i := range parleyKeysPerTxn {
				k := parleyKey(round, txn, i)
				if err := tx.Set([]byte(k), parleyValue(k)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		fmt.Fprintln(out, txn)
		out.Flush()
	}
	return db.Close()
}

// TestParleyCrashKeepsSyncedWrites kills a process writing synced
// transactions at a random point, five times over the same directory, and
// checks after each kill that every transaction it reported is there whole,
// with the right values, and that the database still takes writes.
func TestParleyCrashKeepsSyncedWrites(t *testing.T) {
	if dir := os.Getenv(parleyChildDir); dir != "" {
		round, _ := strconv.Atoi(os.Getenv(parleyChildRound))
		if err := parleyCrashChild(dir, round); err != nil {
			fmt.Fprintln(os.Stderr, "crash child:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	dir := t.TempDir()
	committed := map[int]int{} // round -> transactions reported
	for round := range 5 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestParleyCrashKeepsSyncedWrites$")
		cmd.Env = append(os.Environ(), parleyChildDir+"="+dir, parleyChildRound+"="+strconv.Itoa(round))
		cmd.Stderr = os.Stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		killAt := 300 + rand.IntN(1200) // several memtables of 1 MiB
		deadline := time.Now().Add(20 * time.Second)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			committed[round]++
			if committed[round] == killAt || time.Now().After(deadline) {
				cmd.Process.Kill()
			}
		}
		err = cmd.Wait()
		if committed[round] < 300 {
			t.Fatalf("round %d: child committed only %d transactions: %v", round, committed[round], err)
		}

		db, err := Open(parleyCrashOptions(dir))
		if err != nil {
			t.Fatalf("round %d: reopen after kill: %v", round, err)
		}
		err = db.View(func(tx *Txn) error {
			for r := 0; r <= round; r++ {
				for txn := range committed[r] {
					for i := range parleyKeysPerTxn {
						k := parleyKey(r, txn, i)
						item, err := tx.Get([]byte(k))
						if err != nil {
							return fmt.Errorf("committed key %s: %w", k, err)
						}
						v, err := item.ValueCopy(nil)
						if err != nil {
							return fmt.Errorf("value of %s: %w", k, err)
						}
						if !bytes.Equal(v, parleyValue(k)) {
							return fmt.Errorf("value of %s: %d bytes, not the value written", k, len(v))
						}
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("round %d (%d transactions, killed after %d): %v", round, committed[round], killAt, err)
		}
		if err := db.Update(func(tx *Txn) error { return tx.Set([]byte("after"), []byte{byte(round)}) }); err != nil {
			t.Fatalf("round %d: write after reopen: %v", round, err)
		}
		if err := db.Close(); err != nil {
			t.Fatalf("round %d: close: %v", round, err)
		}
		t.Logf("round %d: killed after %d synced transactions; all of them read back", round, committed[round])
	}
}
