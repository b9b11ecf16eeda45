package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// e2eWait bounds every wait on a JSON client's output.
const e2eWait = 30 * time.Second

const e2ePass = "e2e test passphrase"

// clientProc is a running `parley client --json` process.
type clientProc struct {
	t      *testing.T
	name   string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr *strings.Builder
	lines  chan map[string]any // every stdout object, in order
	exited chan struct{}

	mu     sync.Mutex // guards nextID and events
	nextID int
	events []map[string]any // events read while waiting for something else
}

// initProfile runs `parley init`.
func initProfile(t *testing.T, bin, dir, name string, nodes ...string) {
	t.Helper()
	args := []string{"init", "--data", dir, "--name", name}
	for _, n := range nodes {
		args = append(args, "--node", n)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "PARLEY_PASSPHRASE="+e2ePass, "PARLEY_INSECURE_TEST_KDF=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("parley init %s: %v\n%s", name, err, out)
	}
}

// startClient runs `parley client --json` and waits for its ready event.
func startClient(t *testing.T, bin, dir, name string) *clientProc {
	t.Helper()
	cp := spawnClient(t, bin, dir, name)
	cp.waitEvent("ready", func(map[string]any) bool { return true })
	return cp
}

// spawnClient runs `parley client --json` without waiting for anything.
func spawnClient(t *testing.T, bin, dir, name string) *clientProc {
	t.Helper()
	cmd := exec.Command(bin, "client", "--json", "--data", dir, "--listen", "/ip4/127.0.0.1/tcp/0")
	cmd.Env = append(os.Environ(), "PARLEY_PASSPHRASE="+e2ePass, "PARLEY_LOG="+os.Getenv("E2E_CLIENT_LOG"))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cp := &clientProc{t: t, name: name, cmd: cmd, stdin: stdin, stderr: &strings.Builder{}, lines: make(chan map[string]any, 4096), exited: make(chan struct{})}
	cmd.Stderr = cp.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cp.kill)
	readDone := make(chan struct{})
	go func() { cp.read(stdout); close(readDone) }()
	go func() {
		<-readDone // Wait closes stdout: read it all first
		_ = cmd.Wait()
		close(cp.exited)
	}()
	return cp
}

// sigkill kills the process at once, as a crash would.
func (cp *clientProc) sigkill() {
	cp.t.Helper()
	_ = cp.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-cp.exited:
	case <-time.After(e2eWait):
		cp.t.Fatalf("%s survived SIGKILL", cp.name)
	}
}

// pair is a node with two befriended clients.
type pair struct {
	bin, nodeDir, listen string
	node                 *nodeProc
	aliceDir, bobDir     string
	alice, bob           *clientProc
	aliceID, bobID       string
}

// startPair starts a node, creates alice and bob, and makes them friends.
func startPair(t *testing.T) *pair {
	t.Helper()
	p := &pair{bin: buildNodeBinary(t)}
	root := t.TempDir()
	p.nodeDir = filepath.Join(root, "node")
	p.listen = fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", freeTCPPort(t))
	p.node = startNodeProc(t, p.bin, p.nodeDir, 1, "--listen", p.listen)
	p.aliceDir, p.bobDir = filepath.Join(root, "alice"), filepath.Join(root, "bob")
	initProfile(t, p.bin, p.aliceDir, "alice", p.node.addrs[0])
	initProfile(t, p.bin, p.bobDir, "bob", p.node.addrs[0])
	p.alice, p.bob = startClient(t, p.bin, p.aliceDir, "alice"), startClient(t, p.bin, p.bobDir, "bob")
	aliceMe := p.alice.ok("whoami", nil).(map[string]any)
	bobMe := p.bob.ok("whoami", nil).(map[string]any)
	p.aliceID, p.bobID = str(aliceMe["peer_id"]), str(bobMe["peer_id"])
	p.alice.ok("add", map[string]any{"invite": bobMe["invite"], "greeting": "hi"})
	p.bob.waitEvent("friend_request", func(m map[string]any) bool { return m["peer_id"] == p.aliceID })
	p.bob.ok("accept", map[string]any{"peer_id": p.aliceID})
	p.alice.waitEvent("friend_accepted", func(m map[string]any) bool { return m["peer_id"] == p.bobID })
	return p
}

func (cp *clientProc) read(r io.Reader) {
	defer close(cp.lines)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 8<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			m = map[string]any{"event": "_unparsable", "line": sc.Text()}
		}
		cp.lines <- m
	}
}

func (cp *clientProc) kill() {
	_ = cp.cmd.Process.Kill()
	<-cp.exited
}

// next returns the next stdout object, failing after e2eWait.
func (cp *clientProc) next(what string, deadline <-chan time.Time) map[string]any {
	cp.t.Helper()
	select {
	case m, ok := <-cp.lines:
		if !ok {
			cp.t.Fatalf("%s exited while waiting for %s; stderr:\n%s", cp.name, what, cp.stderr)
		}
		return m
	case <-deadline:
		cp.t.Fatalf("%s: no %s within %v; stderr:\n%s", cp.name, what, e2eWait, cp.stderr)
		return nil
	}
}

// call sends a request and returns its reply; events read meanwhile are kept.
func (cp *clientProc) call(cmd string, args map[string]any) map[string]any {
	cp.t.Helper()
	cp.mu.Lock()
	cp.nextID++
	id := cp.nextID
	cp.mu.Unlock()
	req := map[string]any{"id": id, "cmd": cmd}
	for k, v := range args {
		req[k] = v
	}
	b, _ := json.Marshal(req)
	if _, err := cp.stdin.Write(append(b, '\n')); err != nil {
		cp.t.Fatalf("%s: write %s: %v", cp.name, cmd, err)
	}
	deadline := time.After(e2eWait)
	for {
		m := cp.next("reply to "+cmd, deadline)
		if _, isEvent := m["event"]; isEvent {
			cp.mu.Lock()
			cp.events = append(cp.events, m)
			cp.mu.Unlock()
			continue
		}
		if got, _ := m["id"].(float64); int(got) == id {
			return m
		}
	}
}

// ok calls cmd and fails unless it succeeded; it returns the result.
func (cp *clientProc) ok(cmd string, args map[string]any) any {
	cp.t.Helper()
	r := cp.call(cmd, args)
	if r["ok"] != true {
		cp.t.Fatalf("%s: %s %v = %v", cp.name, cmd, args, r)
	}
	return r["result"]
}

// waitEvent returns (and removes) the oldest event of kind for which match
// is true; other events are kept for later waits.
func (cp *clientProc) waitEvent(kind string, match func(map[string]any) bool) map[string]any {
	cp.t.Helper()
	cp.mu.Lock()
	for i, m := range cp.events {
		if m["event"] == kind && match(m) {
			cp.events = append(cp.events[:i:i], cp.events[i+1:]...)
			cp.mu.Unlock()
			return m
		}
	}
	cp.mu.Unlock()
	deadline := time.After(e2eWait)
	for {
		m := cp.next(kind+" event", deadline)
		if m["event"] == kind && match(m) {
			return m
		}
		if _, isEvent := m["event"]; isEvent {
			cp.mu.Lock()
			cp.events = append(cp.events, m)
			cp.mu.Unlock()
		}
	}
}

// quit sends quit and waits for a clean exit.
func (cp *clientProc) quit() {
	cp.t.Helper()
	cp.ok("quit", nil)
	select {
	case <-cp.exited:
	case <-time.After(e2eWait):
		cp.t.Fatalf("%s did not exit after quit", cp.name)
	}
	if code := cp.cmd.ProcessState.ExitCode(); code != 0 {
		cp.t.Fatalf("%s exited with %d; stderr:\n%s", cp.name, code, cp.stderr)
	}
}

func str(v any) string { return fmt.Sprint(v) }
