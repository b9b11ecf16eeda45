package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"time"
)

// nodeAddrRE finds the dialable loopback multiaddr the node prints.
var nodeAddrRE = regexp.MustCompile(`/ip4/127\.0\.0\.1/tcp/\d+/p2p/[1-9A-HJ-NP-Za-km-z]+`)

// nodeProc is a running `parley node` child process.
type nodeProc struct {
	*proc
	addr    string // multiaddr with /p2p/ID
	metrics string // its Prometheus address, if any
	started time.Duration
}

// startNode execs `parley node` with data dir dir and waits until it prints
// its loopback address; started is the time from exec to that line.
func (e *env) startNode(dir string, extra ...string) (*nodeProc, error) {
	bin, err := e.parleyBinary()
	if err != nil {
		return nil, err
	}
	return e.execNode(bin, "node", dir, extra...)
}

// startBenchNode runs this binary's "node" subcommand (the same server
// package on a node host) in its own process.
func (e *env) startBenchNode(dir string) (*nodeProc, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find own binary: %w", err)
	}
	return e.execNode(self, "node", dir)
}

func (e *env) execNode(bin, sub, dir string, extra ...string) (*nodeProc, error) {
	args := append([]string{sub, "--data", dir, "--listen", "/ip4/127.0.0.1/tcp/0"}, extra...)
	start := time.Now()
	p, err := startProc(e.ctx, []string{"PARLEY_LOG=warn"}, bin, args...)
	if err != nil {
		return nil, err
	}
	line, err := p.waitLine(20*time.Second, nodeAddrRE.MatchString)
	if err != nil {
		p.stop()
		return nil, fmt.Errorf("%s node: %w", filepath.Base(bin), err)
	}
	return &nodeProc{proc: p, addr: nodeAddrRE.FindString(line), started: time.Since(start)}, nil
}

func (n *nodeProc) pid() int { return n.cmd.Process.Pid }

func (e *env) dir(name string) string { return filepath.Join(e.tmp, name) }
