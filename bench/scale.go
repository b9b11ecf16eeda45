package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/parley-chat/parley/rendezvous"
)

// limitRE finds the resource-manager scope that refused, in the node's log.
var limitRE = regexp.MustCompile(`[\w.-]+: resource limit exceeded`)

// loadProc is the load-generator child (this binary, "loadgen").
type loadProc struct {
	*proc
	ids string // file of registered peer IDs
}

func (e *env) startLoadgen(nodeAddr string) (*loadProc, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find own binary: %w", err)
	}
	ids := e.dir("loadgen-ids.txt")
	p, err := startProc(e.ctx, nil, self, "loadgen", "-node", nodeAddr, "-ids", ids, "-workers", "8")
	if err != nil {
		return nil, err
	}
	return &loadProc{proc: p, ids: ids}, nil
}

// loadStep is the answer to one "add K".
type loadStep struct {
	total, failed int
	seconds       float64
	err           string
}

func (l *loadProc) add(k int, timeout time.Duration) (loadStep, error) {
	if _, err := fmt.Fprintf(l.stdin, "add %d\n", k); err != nil {
		return loadStep{}, fmt.Errorf("loadgen: %w", err)
	}
	line, err := l.waitLine(timeout, func(s string) bool { return strings.HasPrefix(s, "ready ") })
	if err != nil {
		return loadStep{}, fmt.Errorf("loadgen: %w", err)
	}
	f := strings.SplitN(line, " ", 5)
	var st loadStep
	st.total, _ = strconv.Atoi(f[1])
	st.failed, _ = strconv.Atoi(f[2])
	st.seconds, _ = strconv.ParseFloat(f[3], 64)
	if len(f) == 5 {
		st.err = f[4]
	}
	return st, nil
}

// readIDs reads up to n registered peer IDs from the loadgen's file.
func readIDs(path string, n, held int) ([]peer.ID, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read peer IDs: %w", err)
	}
	var ids []peer.ID
	for _, s := range strings.Fields(string(b)) {
		id, err := peer.Decode(s)
		if err != nil {
			return nil, fmt.Errorf("peer ID %q: %w", s, err)
		}
		ids = append(ids, id)
	}
	if len(ids) != held {
		return nil, fmt.Errorf("loadgen listed %d peer IDs, reported %d clients", len(ids), held)
	}
	rand.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	ids = ids[:min(n, len(ids))]
	// With fewer clients than n (quick mode), pad with unknown peer IDs so
	// every lookup still carries n IDs.
	for len(ids) < n {
		_, pub, err := crypto.GenerateEd25519Key(nil)
		if err != nil {
			return nil, err
		}
		id, err := peer.IDFromPublicKey(pub)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// lookupAll asks the node about ids in requests of at most MaxLookupIDs
// and returns how many were reported online.
func lookupAll(ctx context.Context, c *rendezvous.Client, ids []peer.ID) (int, error) {
	online := 0
	for len(ids) > 0 {
		n := min(len(ids), rendezvous.MaxLookupIDs)
		ps, err := c.Lookup(ctx, ids[:n])
		if err != nil {
			return online, err
		}
		for _, p := range ps {
			if p.Online {
				online++
			}
		}
		ids = ids[n:]
	}
	return online, nil
}

func runScale(e *env) ([]Result, error) {
	n := e.sizeFor(200, 10_000)
	if e.clients > 0 {
		n = e.clients
	}
	metrics := freeLoopbackAddr()
	node, err := e.startNode(e.dir("node5"), "--metrics", metrics)
	fallback := ""
	if err != nil {
		fallback = "parley node unavailable (" + firstLine(err.Error()) + "), measured on `bench node` (the same rendezvous/server on a p2p node host, own process)"
		if node, err = e.startBenchNode(e.dir("node5b")); err != nil {
			return []Result{notMeasured("5", "scale of one node", "", err.Error())}, nil
		}
	}
	defer node.stop()
	idle, _, err := rssKiB(node.pid())
	if err != nil {
		return nil, err
	}
	lc, err := e.newLookupClient(node.addr)
	if err != nil {
		return nil, err
	}
	defer lc.Close()
	lg, err := e.startLoadgen(node.addr)
	if err != nil {
		return nil, err
	}
	defer lg.stop()
	e.progress("scale: opening %d clients", n)
	st, err := lg.add(n, time.Duration(e.sizeFor(60, 400))*time.Second)
	if err != nil {
		return nil, err
	}
	if st.total == 0 {
		return nil, fmt.Errorf("no client registered (%d failed): %s", st.failed, st.err)
	}
	rss, peak, err := rssKiB(node.pid())
	if err != nil {
		return nil, err
	}
	if m := limitRE.FindString(node.tail.String()); m != "" && st.failed > 0 {
		st.err = "node log: " + m + " (libp2p resource manager); client saw: " + st.err
	}
	rs := []Result{heldRow(n, st), scaleRSSRow(st.total, rss, peak, idle, st)}
	look, online, err := e.measureLookups(lc, lg.ids, st.total)
	if err != nil {
		rs = append(rs, notMeasured("5.lookup", "presence lookup of 1,000 peer IDs", "p99 ≤ 50 ms", err.Error()))
	} else {
		rs = append(rs, lookupRow(st.total, look, online))
	}
	if fallback != "" {
		rs[0].Note += "; " + fallback
	}
	node.metrics = metrics
	if !e.quick {
		rs = append(rs, e.ceiling(node, lg, st))
	}
	return rs, nil
}

// heldRow says how many of the n clients the node admitted and registered.
func heldRow(n int, st loadStep) Result {
	r := Result{ID: "5.held", Figure: fmt.Sprintf("clients connected + registered (of %d opened)", n),
		Unit: "clients", Median: float64(st.total), Samples: 1}
	r.Note = fmt.Sprintf("%d clients in %.1f s (%.0f/s)", st.total, st.seconds, float64(st.total)/st.seconds)
	if st.failed > 0 {
		r.Note += fmt.Sprintf("; %d refused, first error: %s", st.failed, st.err)
	}
	r.judge(check{name: "held", got: r.Median, limit: float64(n), unit: " clients"})
	return r
}

func scaleRSSRow(n int, rss, peak, idle int64, st loadStep) Result {
	r := Result{ID: "5.rss", Figure: fmt.Sprintf("node RSS with %d connected, registered, idle clients", n),
		Unit: "MiB", Median: float64(rss) / 1024, P99: float64(peak) / 1024, Samples: 1,
		BaselineName: "idle node", Baseline: float64(idle) / 1024}
	r.Note = fmt.Sprintf("p99 column = VmHWM peak; %.1f KiB per client", float64(rss-idle)/float64(n))
	r.judge(check{name: "RSS", got: r.Median, atMost: true, limit: 1536, unit: " MiB"})
	return r
}

func lookupRow(n int, l latencies, online int) Result {
	r := latRow("5.lookup", fmt.Sprintf("presence lookup of 1,000 peer IDs (2 requests) among %d clients", n), "ms", l, ms)
	if online < min(n, 1000) {
		r.Note = fmt.Sprintf("only %d of %d connected peers looked up were reported online", online, min(n, 1000))
	} else if n < 1000 {
		r.Note = fmt.Sprintf("%d connected peers (all reported online) + %d unknown IDs", n, 1000-n)
	}
	r.judge(check{name: "p99", got: r.P99, atMost: true, limit: 50, unit: " ms"})
	return r
}

// lookupClient is one more registered client, connected before the load
// so that it is already online (as a user would be) when the node is full.
type lookupClient struct {
	h interface{ Close() error }
	c *rendezvous.Client
}

func (e *env) newLookupClient(nodeAddr string) (*lookupClient, error) {
	ai, err := peer.AddrInfoFromString(nodeAddr)
	if err != nil {
		return nil, err
	}
	h, err := dialHost()
	if err != nil {
		return nil, err
	}
	c := rendezvous.NewClient(h, *ai, nil)
	ctx, cancel := context.WithTimeout(e.ctx, 10*time.Second)
	defer cancel()
	if err := c.Register(ctx, 30*time.Minute); err != nil {
		c.Close()
		h.Close()
		return nil, fmt.Errorf("lookup client: %w", err)
	}
	return &lookupClient{h: h, c: c}, nil
}

func (lc *lookupClient) Close() {
	lc.c.Close()
	lc.h.Close()
}

// measureLookups times LOOKUPs of 1,000 IDs, of which up to 1,000 are
// registered load clients.
func (e *env) measureLookups(lc *lookupClient, idsPath string, held int) (latencies, int, error) {
	ids, err := readIDs(idsPath, 1000, held)
	if err != nil {
		return nil, 0, err
	}
	ctx, cancel := context.WithTimeout(e.ctx, time.Minute)
	defer cancel()
	online := 0
	p := e.plan(plan{warmup: 5, rounds: 3, perRound: 30, maxRound: 2 * time.Second},
		plan{warmup: 20, rounds: 5, perRound: 200, maxRound: 5 * time.Second})
	l, err := measureLatency(p, func() error {
		var err error
		online, err = lookupAll(ctx, lc.c, ids)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("lookup: %w", err)
	}
	return l, online, nil
}

// ceiling keeps adding clients in steps until the node refuses them, the
// client count reaches the cap, or the time budget is spent.
func (e *env) ceiling(node *nodeProc, lg *loadProc, first loadStep) Result {
	const step, capN = 2_000, 40_000
	budget := time.Now().Add(150 * time.Second)
	held, why := first.total, "cap of the search reached"
	rss, _, _ := rssKiB(node.pid())
	if first.failed > 0 {
		why = first.err
	}
	for first.failed == 0 && held < capN && time.Now().Before(budget) {
		st, err := lg.add(step, 3*time.Minute)
		if err != nil {
			why = err.Error()
			break
		}
		held = st.total
		rss, _, _ = rssKiB(node.pid())
		e.progress("scale: %d clients held, node RSS %d MiB, %d failed", held, rss/1024, st.failed)
		if st.failed > 0 {
			why = st.err
			if m := limitRE.FindString(node.tail.String()); m != "" {
				why = "node log: " + m + " (libp2p resource manager); client saw: " + why
			}
			break
		}
	}
	if first.failed == 0 && time.Now().After(budget) {
		why = "time budget of the search spent"
	}
	r := Result{ID: "5.ceiling", Figure: "largest client count one node held (steps of 2,000)",
		Unit: "clients", Median: float64(held), Samples: 1}
	r.Note = fmt.Sprintf("node RSS there %d MiB; limited by: %s", rss/1024, why)
	if m := scrapeRcmgr(node.metrics); m != "" {
		r.Note += "; node's resource manager: " + m
	}
	r.judge()
	return r
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// freeLoopbackAddr returns a 127.0.0.1 address with a port free right now.
func freeLoopbackAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "127.0.0.1:0"
	}
	defer ln.Close()
	return ln.Addr().String()
}

// scrapeRcmgr reads the node's Prometheus metrics and returns the libp2p
// resource-manager lines that say what was refused (blocked resources)
// and how many inbound connections the system scope holds.
func scrapeRcmgr(addr string) string {
	if addr == "" {
		return ""
	}
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + addr + "/metrics")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return ""
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		name, val, ok := strings.Cut(l, " ")
		if !ok || val == "0" {
			continue
		}
		if strings.HasPrefix(name, "libp2p_rcmgr_blocked_resources") ||
			name == `libp2p_rcmgr_connections{dir="inbound",scope="system"}` ||
			name == `libp2p_rcmgr_limit{resource="conns_inbound",scope="system"}` {
			out = append(out, strings.TrimPrefix(name, "libp2p_rcmgr_")+"="+val)
		}
	}
	return strings.Join(out, ", ")
}
