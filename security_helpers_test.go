package main

// Shared helpers of the adversarial and fault suite (security_*_test.go,
// fault_*_test.go): one build of the binary per test run, a node with two
// befriended JSON clients, and the long-mode switch (PARLEY_LONG=1, see
// scripts/long-tests.sh).

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	sharedBinOnce sync.Once
	sharedBinPath string
	sharedBinErr  error
)

// sharedBinary builds the headless binary once per test process (the other
// process tests build their own copy per test). The build lives in
// $TMPDIR/parley-sectest-<pid>; directories left by earlier runs whose
// process is gone are removed first.
func sharedBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the parley binary")
	}
	sharedBinOnce.Do(func() {
		removeStaleBuilds()
		dir := filepath.Join(os.TempDir(), fmt.Sprintf("parley-sectest-%d", os.Getpid()))
		if sharedBinErr = os.MkdirAll(dir, 0o700); sharedBinErr != nil {
			return
		}
		sharedBinPath = filepath.Join(dir, "parley")
		cmd := exec.Command("go", "build", "-o", sharedBinPath, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			sharedBinErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if sharedBinErr != nil {
		t.Fatal(sharedBinErr)
	}
	return sharedBinPath
}

func removeStaleBuilds() {
	old, _ := filepath.Glob(filepath.Join(os.TempDir(), "parley-sectest-*"))
	for _, d := range old {
		pid, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(d), "parley-sectest-"))
		if err != nil || syscall.Kill(pid, 0) == nil {
			continue // not ours, or its process still runs
		}
		_ = os.RemoveAll(d)
	}
}

// longMode reports whether the long variants run (PARLEY_LONG=1).
func longMode() bool { return os.Getenv("PARLEY_LONG") == "1" }

// pick returns short in CI and long under PARLEY_LONG=1.
func pick(short, long int) int {
	if longMode() {
		return long
	}
	return short
}

// seededRand returns a PRNG whose seed is logged (PARLEY_SEED replays one).
func seededRand(t *testing.T) *rand.Rand {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if v, err := strconv.ParseUint(os.Getenv("PARLEY_SEED"), 10, 64); err == nil {
		seed = v
	}
	t.Logf("seed %d (PARLEY_SEED=%d replays it)", seed, seed)
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// world is a running node with two befriended clients, alice and bob.
type world struct {
	t                *testing.T
	bin, root        string
	nodeDir, listen  string
	node             *nodeProc
	aliceDir, bobDir string
	alice, bob       *clientProc
	aliceID, bobID   string
}

// newWorld starts a node and two clients on 127.0.0.1 and makes them
// friends (invite, request, accept), exchanging one message each way.
func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{t: t, bin: sharedBinary(t), root: t.TempDir()}
	w.nodeDir = filepath.Join(w.root, "node")
	w.listen = fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", freeTCPPort(t))
	w.node = startNodeProc(t, w.bin, w.nodeDir, 1, "--listen", w.listen)
	w.aliceDir, w.bobDir = filepath.Join(w.root, "alice"), filepath.Join(w.root, "bob")
	var wg sync.WaitGroup // the two inits are independent; each costs an Argon2id run
	wg.Go(func() { initProfile(t, w.bin, w.aliceDir, "alice", w.node.addrs[0]) })
	wg.Go(func() { initProfile(t, w.bin, w.bobDir, "bob", w.node.addrs[0]) })
	wg.Wait()
	w.alice, w.bob = startClient(t, w.bin, w.aliceDir, "alice"), startClient(t, w.bin, w.bobDir, "bob")
	w.aliceID = str(w.alice.ok("whoami", nil).(map[string]any)["peer_id"])
	bobMe := w.bob.ok("whoami", nil).(map[string]any)
	w.bobID = str(bobMe["peer_id"])
	w.alice.ok("add", map[string]any{"invite": bobMe["invite"], "greeting": "hi"})
	w.bob.waitEvent("friend_request", func(m map[string]any) bool { return m["peer_id"] == w.aliceID })
	w.bob.ok("accept", map[string]any{"peer_id": w.aliceID})
	w.alice.waitEvent("friend_accepted", func(m map[string]any) bool { return m["peer_id"] == w.bobID })
	exchange(t, w.alice, w.bob, w.aliceID, w.bobID, "first from alice")
	exchange(t, w.bob, w.alice, w.bobID, w.aliceID, "first from bob")
	return w
}

// restartNode stops the node (SIGKILL if kill, else SIGTERM) and starts it
// again on the same address and data directory.
func (w *world) restartNode(kill bool) {
	w.t.Helper()
	w.stopNode(kill)
	w.node = startNodeProc(w.t, w.bin, w.nodeDir, 1, "--listen", w.listen)
}

func (w *world) stopNode(kill bool) {
	w.t.Helper()
	sig := syscall.SIGTERM
	if kill {
		sig = syscall.SIGKILL
	}
	if err := w.node.cmd.Process.Signal(sig); err != nil {
		w.t.Fatal(err)
	}
	w.node.waitExit(w.t, e2eWait)
}

// sendRaw writes one request line without waiting for its reply.
func (cp *clientProc) sendRaw(id string, cmd string, args map[string]any) error {
	req := map[string]any{"id": id, "cmd": cmd}
	for k, v := range args {
		req[k] = v
	}
	b, _ := json.Marshal(req)
	_, err := cp.stdin.Write(append(b, '\n'))
	return err
}

// killAfter SIGKILLs cp after d while reading its output; it returns every
// line it printed (including events kept by earlier waits) once it is gone.
func (cp *clientProc) killAfter(d time.Duration) []map[string]any {
	cp.t.Helper()
	cp.mu.Lock()
	out := append([]map[string]any(nil), cp.events...)
	cp.events = nil
	cp.mu.Unlock()
	timer := time.NewTimer(d)
	defer timer.Stop()
	deadline := time.After(e2eWait)
	for {
		select {
		case m, ok := <-cp.lines:
			if !ok {
				<-cp.exited
				return out
			}
			out = append(out, m)
		case <-timer.C:
			_ = cp.cmd.Process.Kill()
		case <-deadline:
			cp.t.Fatalf("%s did not die within %v of SIGKILL", cp.name, e2eWait)
		}
	}
}

// outgoing returns the IDs and statuses of c's messages to peer.
func historyOf(c *clientProc, with string, limit int) []map[string]any {
	c.t.Helper()
	var out []map[string]any
	for _, h := range c.ok("history", map[string]any{"with": with, "limit": limit}).([]any) {
		out = append(out, h.(map[string]any))
	}
	return out
}

// waitAllDelivered polls c's history until every outgoing message to peer is
// delivered (bounded by d), and returns that history.
func waitAllDelivered(t *testing.T, c *clientProc, with string, limit int, d time.Duration) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		hist := historyOf(c, with, limit)
		pending := 0
		for _, m := range hist {
			if m["outgoing"] == true && m["status"] != "delivered" {
				pending++
			}
		}
		if pending == 0 {
			return hist
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d messages to %s still not delivered after %v", c.name, pending, with, d)
		}
		time.Sleep(100 * time.Millisecond) // polling interval of a bounded wait
	}
}

// assertExactlyOnce checks that the receiver's history holds every one of
// the sender's outgoing messages exactly once, and nothing else from them.
func assertExactlyOnce(t *testing.T, sent, received []map[string]any, fromID string) {
	t.Helper()
	want := map[string]string{}
	for _, m := range sent {
		if m["outgoing"] == true {
			want[str(m["id"])] = str(m["text"])
		}
	}
	got := map[string]int{}
	for _, m := range received {
		if m["outgoing"] == true || m["from"] != fromID {
			continue
		}
		id := str(m["id"])
		got[id]++
		if text, ok := want[id]; !ok {
			t.Errorf("received message %s (%q) that the sender does not hold", id, m["text"])
		} else if text != m["text"] {
			t.Errorf("message %s text = %q, sender has %q", id, m["text"], text)
		}
	}
	for id, text := range want {
		switch got[id] {
		case 1:
		case 0:
			t.Errorf("message %s (%q) never arrived", id, text)
		default:
			t.Errorf("message %s (%q) arrived %d times", id, text, got[id])
		}
	}
}
