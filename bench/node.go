package main

import (
	"fmt"
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
	started time.Duration
}

// startNode execs `parley node` with data dir dir and waits until it prints
// its loopback address; started is the time from exec to that line.
func (e *env) startNode(dir string, extra ...string) (*nodeProc, error) {
	bin, err := e.parleyBinary()
	if err != nil {
		return nil, err
	}
	args := append([]string{"node", "--data", dir, "--listen", "/ip4/127.0.0.1/tcp/0"}, extra...)
	start := time.Now()
	p, err := startProc(e.ctx, []string{"PARLEY_LOG=warn"}, bin, args...)
	if err != nil {
		return nil, err
	}
	line, err := p.waitLine(20*time.Second, nodeAddrRE.MatchString)
	if err != nil {
		p.stop()
		return nil, fmt.Errorf("parley node: %w", err)
	}
	return &nodeProc{proc: p, addr: nodeAddrRE.FindString(line), started: time.Since(start)}, nil
}

func (n *nodeProc) pid() int { return n.cmd.Process.Pid }

func (e *env) dir(name string) string { return filepath.Join(e.tmp, name) }
