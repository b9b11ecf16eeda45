package main

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/parley-chat/parley/p2p"
	"github.com/parley-chat/parley/rendezvous"
)

// buildNodeBinary builds the headless parley binary (no cgo, so no GUI) into
// a temp dir.
func buildNodeBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the parley binary")
	}
	bin := filepath.Join(t.TempDir(), "parley")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// nodeProc is a running `parley node` process.
type nodeProc struct {
	cmd     *exec.Cmd
	addrs   []string      // the "listening" lines' multiaddrs
	startup time.Duration // exec → first "listening" line
	stderr  *strings.Builder
}

var listenLine = regexp.MustCompile(`^listening (/ip4/127\.0\.0\.1/(tcp|udp)/\d+(/quic-v1)?/p2p/12D3Koo\w+)$`)

// startNodeProc runs `parley node --data dir` with args and waits for its
// address lines (one per listen address).
func startNodeProc(t *testing.T, bin, dir string, want int, args ...string) *nodeProc {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"node", "--data", dir}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	np := &nodeProc{cmd: cmd, stderr: &strings.Builder{}}
	cmd.Stderr = np.stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	timeout := time.After(20 * time.Second)
	for len(np.addrs) < want {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("node exited before printing its addresses; stderr:\n%s", np.stderr)
			}
			m := listenLine.FindStringSubmatch(l)
			if m == nil {
				t.Fatalf("unexpected stdout line %q", l)
			}
			if len(np.addrs) == 0 {
				np.startup = time.Since(start)
			}
			np.addrs = append(np.addrs, m[1])
		case <-timeout:
			t.Fatalf("node printed %d of %d addresses within 20s; stderr:\n%s", len(np.addrs), want, np.stderr)
		}
	}
	go func() {
		for range lines {
		}
	}()
	return np
}

func (np *nodeProc) info(t testing.TB) peer.AddrInfo {
	t.Helper()
	ai, err := peer.AddrInfoFromString(np.addrs[0])
	if err != nil {
		t.Fatal(err)
	}
	return *ai
}

// waitExit waits for the process and returns its exit code.
func (np *nodeProc) waitExit(t *testing.T, d time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- np.cmd.Wait() }()
	select {
	case <-done:
		return np.cmd.ProcessState.ExitCode()
	case <-time.After(d):
		t.Fatalf("node did not exit within %v", d)
		return -1
	}
}

func newTestHost(t testing.TB) host.Host {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	h, err := p2p.NewHost(context.Background(), p2p.Config{Identity: k, ListenAddrs: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close() })
	return h
}

func freeTCPPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestNodeCommand: `parley node` prints one dialable address per listen
// address, serves, exposes metrics, exits 0 on SIGTERM, and keeps its
// identity across restarts.
func TestNodeCommand(t *testing.T) {
	bin := buildNodeBinary(t)
	dir := t.TempDir()
	metrics := fmt.Sprintf("127.0.0.1:%d", freeTCPPort(t))
	args := []string{"--listen", "/ip4/127.0.0.1/tcp/0", "--listen", "/ip4/127.0.0.1/udp/0/quic-v1", "--metrics", metrics}
	np := startNodeProc(t, bin, dir, 2, args...)
	t.Logf("exec → listening: %v", np.startup)
	if fi, err := os.Stat(filepath.Join(dir, "node.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("node.key: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
	h := newTestHost(t)
	c := rendezvous.NewClient(h, np.info(t), nil)
	if err := c.Put(t.Context(), h.ID(), []byte("sealed")); err != nil {
		t.Fatalf("Put to the node process: %v", err)
	}
	resp, err := http.Get("http://" + metrics + "/metrics")
	if err != nil {
		t.Fatalf("metrics: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "parley_node_envelopes_stored 1") {
		t.Errorf("metrics do not show 1 stored envelope:\n%s", body)
	}
	if err := np.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := np.waitExit(t, 10*time.Second); code != 0 {
		t.Fatalf("exit code after SIGTERM = %d; stderr:\n%s", code, np.stderr)
	}
	again := startNodeProc(t, bin, dir, 1, "--listen", "/ip4/127.0.0.1/tcp/0")
	if got, want := again.info(t).ID, np.info(t).ID; got != want {
		t.Errorf("peer ID after restart = %s, want %s", got, want)
	}
	t.Logf("restart exec → listening: %v", again.startup)
}

// TestNodeRelay: two hosts that cannot dial each other talk through the
// relay of a `parley node` process, past libp2p's default 128 KiB circuit
// limit (the node sets chat-sized relay resources).
func TestNodeRelay(t *testing.T) {
	bin := buildNodeBinary(t)
	np := startNodeProc(t, bin, t.TempDir(), 1, "--listen", "/ip4/127.0.0.1/tcp/0")
	node := np.info(t)
	bob := newTestHost(t)
	alice := newTestHost(t)
	if err := bob.Connect(t.Context(), node); err != nil {
		t.Fatal(err)
	}
	if _, err := p2p.ReserveRelay(t.Context(), bob, node); err != nil {
		t.Fatalf("reserve on the node: %v", err)
	}
	const proto = "/parley/test-relay/1"
	p2p.Serve(bob, proto, func(_ context.Context, _ peer.ID, req []byte) ([]byte, error) { return req[:1], nil }, p2p.Limits{})
	circuit := ma.StringCast(np.addrs[0] + "/p2p-circuit")
	if err := alice.Connect(t.Context(), peer.AddrInfo{ID: bob.ID(), Addrs: []ma.Multiaddr{circuit}}); err != nil {
		t.Fatalf("connect through the node's relay: %v", err)
	}
	s := p2p.NewStream(alice, bob.ID(), proto, 0)
	defer s.Close()
	ctx := network.WithAllowLimitedConn(t.Context(), "chat")
	for i := range 8 { // 256 KiB
		if _, err := s.RoundTrip(ctx, make([]byte, 32<<10)); err != nil {
			t.Fatalf("relayed round trip %d: %v", i, err)
		}
	}
}
