package main

import (
	"fmt"
	"net"
	"slices"
	"strings"
	"time"
)

// verifyAccepting dials the TCP port of a node multiaddr once.
func verifyAccepting(addr string) error {
	// /ip4/127.0.0.1/tcp/PORT/p2p/ID
	f := strings.Split(addr, "/")
	if len(f) < 5 {
		return fmt.Errorf("bad address %q", addr)
	}
	c, err := net.DialTimeout("tcp", net.JoinHostPort(f[2], f[4]), 2*time.Second)
	if err != nil {
		return fmt.Errorf("node not accepting: %w", err)
	}
	return c.Close()
}

// nodeStartup times `parley node` from exec to its listening line, first
// on an empty data dir (identity created), then restarts on the same dir.
func (e *env) nodeStartup() Result {
	const goal = "≤ 300 ms"
	rounds := e.sizeFor(3, 10)
	dir := e.dir("node6")
	var first time.Duration
	var l latencies
	for i := range rounds + 1 {
		n, err := e.startNode(dir)
		if err != nil {
			return notMeasured("6.node", "parley node exec → accepting connections", goal, err.Error())
		}
		err = verifyAccepting(n.addr)
		n.stop()
		if err != nil {
			return notMeasured("6.node", "parley node exec → accepting connections", goal, err.Error())
		}
		if i == 0 {
			first = n.started
			continue
		}
		l = append(l, n.started)
	}
	slices.Sort(l)
	r := latRow("6.node", "parley node exec → accepting connections (restart, existing data dir)", "ms", l, ms)
	r.Note = fmt.Sprintf("first start on an empty data dir: %.1f ms", ms(first))
	r.judge(check{name: "p50", got: r.Median, atMost: true, limit: 300, unit: " ms"})
	return r
}

func runStartup(e *env) ([]Result, error) {
	return append([]Result{e.nodeStartup()}, e.clientStartup()...), nil
}
