package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/parley-chat/parley/vault"
)

const historyPage = 50

// fillHistory writes n messages of one conversation in transactions of
// 1,000, alternating directions, ~100-byte texts, one second apart.
func fillHistory(v *vault.Vault, conv, me string, n int) ([]string, error) {
	ids := make([]string, n)
	t0 := time.Now().Add(-time.Duration(n) * time.Second)
	text := strings.Repeat("a benchmark message of about one hundred bytes, ", 3)[:100]
	for start := 0; start < n; start += 1000 {
		err := v.Update(func(tx *vault.Tx) error {
			for i := start; i < min(n, start+1000); i++ {
				ids[i] = fmt.Sprintf("%016x", uint64(i)*0x9e3779b97f4a7c15)
				m := vault.Message{ID: ids[i], Conv: conv, From: conv, Text: text,
					SentAt: t0.Add(time.Duration(i) * time.Second), Status: "received"}
				if i%2 == 0 {
					m.From, m.Outgoing, m.Status = me, true, "delivered"
				}
				if err := tx.PutMessage(m); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("fill history: %w", err)
		}
	}
	return ids, nil
}

func runHistory(e *env) ([]Result, error) {
	n := e.sizeFor(20_000, 100_000)
	const conv, me = "12D3KooWBenchFriendPeerIDxxxxxxxxxxxxxxxxxxxxxxxxx", "12D3KooWBenchMePeerIDxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	dir := e.dir("history")
	v, err := vault.Create(dir, []byte("bench passphrase"), vault.Options{KDF: vault.TestKDF})
	if err != nil {
		return nil, err
	}
	start := time.Now()
	ids, err := fillHistory(v, conv, me, n)
	fill := time.Since(start)
	if err != nil {
		v.Close()
		return nil, err
	}
	// Reopen so that the pages come from disk and Badger's caches, not
	// the memtable the fill left behind.
	if err := v.Close(); err != nil {
		return nil, err
	}
	if v, err = vault.Open(dir, []byte("bench passphrase"), vault.Options{KDF: vault.TestKDF}); err != nil {
		return nil, err
	}
	defer v.Close()
	page := func(before string) error {
		return v.View(func(tx *vault.Tx) error {
			msgs, err := tx.History(conv, before, historyPage)
			if err == nil && len(msgs) != historyPage {
				err = fmt.Errorf("page before %q has %d messages, want %d", before, len(msgs), historyPage)
			}
			return err
		})
	}
	start = time.Now()
	if err := page(""); err != nil {
		return nil, err
	}
	cold := time.Since(start)
	p := e.plan(plan{warmup: 20, rounds: 3, perRound: 300, maxRound: 300 * time.Millisecond},
		plan{warmup: 100, rounds: 5, perRound: 2000, maxRound: 4 * time.Second})
	newest, err := measureLatency(p, func() error { return page("") })
	if err != nil {
		return nil, err
	}
	older, err := measureLatency(p, func() error { return page(ids[historyPage+rand.IntN(n-historyPage)]) })
	if err != nil {
		return nil, err
	}
	deep := slices.Clone(ids[historyPage : historyPage+1])
	oldest, err := measureLatency(p.scale(0.2), func() error { return page(deep[0]) })
	if err != nil {
		return nil, err
	}
	r1 := latRow("7.newest", fmt.Sprintf("history: newest page of %d among %d messages (vault.History)", historyPage, n), "ms", newest, ms)
	r1.Note = fmt.Sprintf("first page after reopen %.2f ms; fill %d messages in %.1f s (%.0f msg/s, txns of 1,000)",
		ms(cold), n, fill.Seconds(), float64(n)/fill.Seconds())
	r1.judge(check{name: "p99", got: r1.P99, atMost: true, limit: 5, unit: " ms"})
	r2 := latRow("7.older", fmt.Sprintf("history: older page of %d before a random message", historyPage), "ms", older, ms)
	r2.judge(check{name: "p99", got: r2.P99, atMost: true, limit: 10, unit: " ms"})
	r3 := latRow("7.oldest", fmt.Sprintf("history: the oldest page of %d", historyPage), "ms", oldest, ms)
	r3.judge(check{name: "p99", got: r3.P99, atMost: true, limit: 10, unit: " ms"})
	return []Result{r1, r2, r3}, nil
}
