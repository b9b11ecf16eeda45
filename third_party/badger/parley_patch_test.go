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

	"github.com/dgraph-io/badger/v4/y"
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

// TestParleyWALWriteFailureKeepsLogWhole: when writing a batch to the
// write-ahead log fails (here: the descriptor is swapped for a read-only
// one), flushPending reports the error and moves the log's end back, so the
// next batch continues where the log is whole and a replay reads exactly the
// batches that were written.
func TestParleyWALWriteFailureKeepsLogWhole(t *testing.T) {
	if !y.WriteFilesThroughFD {
		t.Skip("the WAL is written through its memory map on this system")
	}
	db, err := Open(DefaultOptions(t.TempDir()).WithLogger(nil).WithSyncWrites(true))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	lf := db.mt.wal
	put := func(k string) error {
		if err := db.mt.Put(y.KeyWithTs([]byte(k), 1), y.ValueStruct{Value: []byte("value of " + k)}); err != nil {
			return err
		}
		return lf.flushPending()
	}
	if err := put("a"); err != nil {
		t.Fatalf("first batch: %v", err)
	}
	end := lf.writeAt
	good := lf.Fd
	ro, err := os.Open(lf.path)
	if err != nil {
		t.Fatal(err)
	}
	lf.Fd = ro
	err = put("b")
	lf.Fd = good
	ro.Close()
	if err == nil {
		t.Fatal("a write through a read-only descriptor succeeded")
	}
	if lf.writeAt != end {
		t.Fatalf("after the failed batch the log ends at %d, want %d", lf.writeAt, end)
	}
	if len(lf.pending) != 0 {
		t.Fatalf("%d bytes still pending after the failed batch", len(lf.pending))
	}
	if err := put("c"); err != nil {
		t.Fatalf("batch after the failure: %v", err)
	}
	var keys []string
	if _, err := lf.iterate(true, 0, func(e Entry, _ valuePointer) error {
		keys = append(keys, string(y.ParseKey(e.Key)))
		return nil
	}); err != nil {
		t.Fatalf("replay: %v", err)
	}
	if fmt.Sprint(keys) != "[a c]" {
		t.Fatalf("replay read %v, want [a c]", keys)
	}
}
