package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"golang.org/x/crypto/argon2"

	"github.com/parley-chat/parley/app"
	"github.com/parley-chat/parley/rendezvous"
	"github.com/parley-chat/parley/vault"
)

const (
	benchPassphrase = "bench passphrase for start-up"
	startupJunk     = 20 // envelopes waiting in the mailbox at each start
)

// jsonClient is a `parley client --json` child.
type jsonClient struct {
	*proc
	started time.Time
}

func (e *env) execClient(dir string) (*jsonClient, error) {
	bin, err := e.parleyBinary()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	p, err := startProc(e.ctx, []string{"PARLEY_PASSPHRASE=" + benchPassphrase, "PARLEY_LOG=warn"}, bin,
		"client", "--json", "--data", dir, "--listen", "/ip4/127.0.0.1/tcp/0")
	if err != nil {
		return nil, err
	}
	return &jsonClient{proc: p, started: start}, nil
}

// waitReady waits for the "ready" event: online, mailbox drained once.
func (c *jsonClient) waitReady() (time.Duration, error) {
	_, err := c.waitLine(20*time.Second, func(l string) bool {
		var ev struct{ Event string }
		return json.Unmarshal([]byte(l), &ev) == nil && ev.Event == "ready"
	})
	return time.Since(c.started), err
}

func (c *jsonClient) whoami() (peer.ID, error) {
	if _, err := fmt.Fprintln(c.stdin, `{"id":"who","cmd":"whoami"}`); err != nil {
		return "", err
	}
	l, err := c.waitLine(10*time.Second, func(l string) bool { return strings.Contains(l, `"who"`) })
	if err != nil {
		return "", err
	}
	var r struct {
		Result struct {
			PeerID string `json:"peer_id"`
		}
	}
	if err := json.Unmarshal([]byte(l), &r); err != nil {
		return "", fmt.Errorf("whoami reply: %w", err)
	}
	return peer.Decode(r.Result.PeerID)
}

func (c *jsonClient) quit() {
	fmt.Fprintln(c.stdin, `{"cmd":"quit"}`)
	select {
	case <-c.done:
	case <-time.After(5 * time.Second):
		c.stop()
	}
}

// clientStartup times `parley client --json` from exec to its ready event
// with startupJunk envelopes from a stranger waiting in its mailbox.
func (e *env) clientStartup() []Result {
	const figure, goal = "parley client exec → online, mailbox drained (ready event)", "≤ 1.5 s"
	fail := func(err error) []Result { return []Result{notMeasured("6.client", figure, goal, err.Error())} }
	node, err := e.startNode(e.dir("node6c"))
	if err != nil {
		return fail(err)
	}
	defer node.stop()
	stranger, err := e.newLookupClient(node.addr)
	if err != nil {
		return fail(err)
	}
	defer stranger.Close()
	dir := e.dir("client6")
	initTime, err := e.initProfile(dir, node.addr)
	if err != nil {
		return fail(err)
	}
	rounds := e.sizeFor(1, 5)
	l, first, err := e.clientStarts(dir, stranger, rounds)
	if err != nil {
		return fail(err)
	}
	kdf := argon2Cost(e.sizeFor(1, 3))
	r := latRow("6.client", figure, "ms", l, ms)
	r.Note = fmt.Sprintf("%d envelopes from a stranger waiting at each start (fetched, dropped, acked); "+
		"first start (empty mailbox) %.0f ms; parley init %.0f ms; see 6.nokdf and 6.argon2 for the split",
		startupJunk, ms(first), ms(initTime))
	r.judge(check{name: "p50", got: r.Median, atMost: true, limit: 1500, unit: " ms"})
	a := Result{ID: "6.argon2", Figure: fmt.Sprintf("Argon2id unlock cost (vault.DefaultKDF: t=%d, m=%d MiB, p=%d)",
		vault.DefaultKDF.Time, vault.DefaultKDF.Memory>>10, vault.DefaultKDF.Threads), Unit: "ms", Median: ms(kdf), Samples: e.sizeFor(1, 3)}
	a.judge()
	rs := []Result{r}
	// The same start with a profile whose vault header holds the test-cost
	// KDF: the start-up without Argon2id, to separate the two.
	cheap := e.dir("client6-cheapkdf")
	err = app.CreateProfile(e.ctx, app.ProfileConfig{Dir: cheap, Name: "bench", Passphrase: []byte(benchPassphrase),
		Nodes: []string{node.addr}, KDF: &vault.TestKDF})
	if err == nil {
		var lc latencies
		if lc, _, err = e.clientStarts(cheap, stranger, rounds); err == nil {
			c := latRow("6.nokdf", "as 6.client, profile with a test-cost KDF: start-up without Argon2id", "ms", lc, ms)
			c.judge()
			rs = append(rs, c)
		}
	}
	if err != nil {
		rs = append(rs, notMeasured("6.nokdf", "start-up without Argon2id", "", err.Error()))
	} else {
		// The unlock cost inside the client is the difference of the two
		// starts; the in-process figure is noted beside it.
		a.Median = r.Median - rs[len(rs)-1].Median
		a.Figure += ": 6.client − 6.nokdf"
		a.Note = fmt.Sprintf("one Argon2id derivation timed in the bench process: %.0f ms", ms(kdf))
	}
	return append(rs, a)
}

// clientStarts starts the client in dir once (empty mailbox: first, and
// its peer ID), then rounds times with startupJunk envelopes waiting.
func (e *env) clientStarts(dir string, stranger *lookupClient, rounds int) (latencies, time.Duration, error) {
	c, err := e.execClient(dir)
	if err != nil {
		return nil, 0, err
	}
	first, err := c.waitReady()
	var id peer.ID
	if err == nil {
		id, err = c.whoami()
	}
	c.quit()
	if err != nil {
		return nil, 0, fmt.Errorf("first client start: %w", err)
	}
	var l latencies
	for range rounds {
		if err := deposit(e.ctx, stranger.c, id, startupJunk); err != nil {
			return nil, 0, err
		}
		c, err := e.execClient(dir)
		if err != nil {
			return nil, 0, err
		}
		d, err := c.waitReady()
		c.quit()
		if err != nil {
			return nil, 0, err
		}
		l = append(l, d)
	}
	slices.Sort(l)
	return l, first, nil
}

// initProfile runs `parley init` (Argon2id wrap included) and times it.
func (e *env) initProfile(dir, nodeAddr string) (time.Duration, error) {
	bin, err := e.parleyBinary()
	if err != nil {
		return 0, err
	}
	start := time.Now()
	p, err := startProc(e.ctx, []string{"PARLEY_PASSPHRASE=" + benchPassphrase}, bin,
		"init", "--data", dir, "--name", "bench", "--node", nodeAddr)
	if err != nil {
		return 0, err
	}
	p.stdin.Close()
	<-p.done
	if p.err != nil {
		return 0, fmt.Errorf("parley init: %w: %s", p.err, p.tail)
	}
	return time.Since(start), nil
}

// deposit puts n opaque envelopes into to's mailbox.
func deposit(ctx context.Context, c *rendezvous.Client, to peer.ID, n int) error {
	env := randomBytes(envelopeSize)
	for range n {
		if err := c.Put(ctx, to, env); err != nil {
			return fmt.Errorf("deposit: %w", err)
		}
	}
	return nil
}

// argon2Cost is the median time of one Argon2id derivation with the
// vault's default parameters.
func argon2Cost(n int) time.Duration {
	k := vault.DefaultKDF
	var ds []time.Duration
	for range n {
		start := time.Now()
		argon2.IDKey([]byte(benchPassphrase), make([]byte, 16), k.Time, k.Memory, k.Threads, 32)
		ds = append(ds, time.Since(start))
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}
