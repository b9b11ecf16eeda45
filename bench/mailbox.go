package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/parley-chat/parley/rendezvous"
	"github.com/parley-chat/parley/rendezvous/server"
)

// mailboxBench is a real node (rendezvous/server on a p2p node host) with
// senders and recipients, each a separate libp2p host and peer ID.
type mailboxBench struct {
	node       host.Host
	srv        *server.Server
	senders    []*rendezvous.Client
	recipients []*rendezvous.Client
	inboxes    []peer.ID // the recipients' peer IDs
	hosts      []host.Host
	env        []byte
}

func newMailboxBench(ctx context.Context, dir string, nSend, nRecv int) (*mailboxBench, error) {
	mb := &mailboxBench{env: randomBytes(envelopeSize)}
	var err error
	// The benchmark measures capacity, so the per-sender and per-IP PUT
	// rate limits (meant for abuse, and all senders share 127.0.0.1) are
	// lifted; quotas stay at their defaults.
	mb.srv, err = server.Open(server.Config{Dir: dir, PerSenderRate: 1e9, PerSenderBurst: 1e9, PerIPRate: -1})
	if err != nil {
		return nil, err
	}
	if mb.node, err = nodeHost(ctx); err != nil {
		mb.srv.Close()
		return nil, err
	}
	mb.srv.Attach(mb.node)
	if mb.hosts, err = dialHosts(nSend + nRecv); err != nil {
		mb.Close()
		return nil, err
	}
	for i, h := range mb.hosts {
		c := rendezvous.NewClient(h, addrInfo(mb.node), nil)
		if i < nSend {
			mb.senders = append(mb.senders, c)
		} else {
			mb.recipients = append(mb.recipients, c)
			mb.inboxes = append(mb.inboxes, h.ID())
		}
	}
	return mb, nil
}

func (mb *mailboxBench) Close() {
	for _, c := range append(mb.senders, mb.recipients...) {
		c.Close()
	}
	closeHosts(mb.hosts)
	if mb.node != nil {
		mb.node.Close()
	}
	mb.srv.Close()
}

// deposit has every sender PUT its share of maxOps envelopes concurrently,
// sender j writing to recipients j, j+1, … in turn. It counts only PUTs the
// node confirmed as stored.
func (mb *mailboxBench) deposit(ctx context.Context, maxOps int, deadline time.Time) (int, error) {
	var done atomic.Int64
	var firstErr error
	var once sync.Once
	per := max(1, maxOps/len(mb.senders))
	var wg sync.WaitGroup
	for j, c := range mb.senders {
		wg.Go(func() {
			for i := 0; i < per && (i == 0 || time.Now().Before(deadline)); i++ {
				to := mb.inboxes[(j+i)%len(mb.inboxes)]
				if err := c.Put(ctx, to, mb.env); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	return int(done.Load()), firstErr
}

// drain has every recipient FETCH (256 at a time) and ACK until its inbox
// is empty; it returns the envelopes fetched and acked.
func (mb *mailboxBench) drain(ctx context.Context, deadline time.Time) (int, error) {
	var done atomic.Int64
	errs := make([]error, len(mb.recipients))
	var wg sync.WaitGroup
	for k, c := range mb.recipients {
		wg.Go(func() {
			for range 10_000 { // bounded: each pass removes ≥ 1 envelope
				items, err := c.Fetch(ctx, rendezvous.MaxFetchItems)
				if err != nil || len(items) == 0 {
					errs[k] = err
					return
				}
				ids := make([]string, len(items))
				for i, it := range items {
					ids[i] = it.ID
				}
				if err := c.Ack(ctx, ids); err != nil {
					errs[k] = err
					return
				}
				done.Add(int64(len(items)))
				if time.Now().After(deadline) {
					return
				}
			}
		})
	}
	wg.Wait()
	return int(done.Load()), errors.Join(errs...)
}

func runMailbox(e *env) ([]Result, error) {
	const nSend, nRecv = 100, 100
	mb, err := newMailboxBench(e.ctx, filepath.Join(e.tmp, "mailbox"), nSend, nRecv)
	if err != nil {
		return nil, fmt.Errorf("mailbox setup: %w", err)
	}
	defer mb.Close()
	p := e.plan(plan{warmup: 500, rounds: 3, perRound: 2000, maxRound: 2 * time.Second},
		plan{warmup: 3000, rounds: 5, perRound: 20000, maxRound: 4 * time.Second})
	var put, got rates
	for r := range p.rounds + 1 { // round 0 is the warm-up
		n := p.perRound
		if r == 0 {
			n = p.warmup
		}
		start := time.Now()
		k, err := mb.deposit(e.ctx, n, start.Add(p.maxRound))
		if err != nil {
			return nil, fmt.Errorf("deposit: %w", err)
		}
		putRate := float64(k) / time.Since(start).Seconds()
		start = time.Now()
		m, err := mb.drain(e.ctx, start.Add(p.maxRound))
		if err != nil {
			return nil, fmt.Errorf("fetch+ack: %w", err)
		}
		if m != k {
			return nil, fmt.Errorf("fetched %d of %d deposited envelopes", m, k)
		}
		if r > 0 {
			put = append(put, putRate)
			got = append(got, float64(m)/time.Since(start).Seconds())
		}
	}
	sortRates(put)
	sortRates(got)
	dep := rateRow("4.put", fmt.Sprintf("mailbox durable deposits, %d concurrent senders, %d B", nSend, envelopeSize), "env/s", put)
	dep.BaselineName, dep.Baseline = "bare batch", e.base.batch.median()
	if dep.Baseline > 0 {
		dep.Ratio = dep.Baseline / dep.Median
	}
	dep.judge(check{name: "deposits", got: dep.Median, limit: 5000, unit: " env/s"})
	fa := rateRow("4.fetch", fmt.Sprintf("mailbox fetch(256)+ack by %d recipients", nRecv), "env/s", got)
	fa.BaselineName, fa.Baseline = "bare batch", e.base.batch.median()
	if fa.Baseline > 0 {
		fa.Ratio = fa.Baseline / fa.Median
	}
	fa.judge(check{name: "fetch+ack", got: fa.Median, limit: 10000, unit: " env/s"})
	return []Result{dep, fa}, nil
}
