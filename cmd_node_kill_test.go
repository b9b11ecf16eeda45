package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/parley-chat/parley/p2p"
	"github.com/parley-chat/parley/rendezvous"
)

// TestNodeKillDuringPuts SIGKILLs the node 5 times (PARLEY_NODE_KILLS for
// the long variant, e.g. 20) while 8 clients deposit
// envelopes as fast as the node admits them, restarting it on the same data
// directory each time. Every envelope the node acknowledged must be
// fetchable afterwards: a PUT is answered only after its group commit is
// synced.
func TestNodeKillDuringPuts(t *testing.T) {
	bin := buildNodeBinary(t)
	dir := t.TempDir()
	listen := fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", freeTCPPort(t))
	np := startNodeProc(t, bin, dir, 1, "--listen", listen)
	node := np.info(t)
	bob := newTestHost(t)

	var (
		mu    sync.Mutex
		acked = map[string]bool{}
		stop  atomic.Bool
		wg    sync.WaitGroup
	)
	for s := range 8 {
		wg.Go(func() {
			for seq := 0; !stop.Load(); {
				seq = depositUntilError(t, node, bob.ID(), s, seq, &stop, func(env string) {
					mu.Lock()
					acked[env] = true
					mu.Unlock()
				})
			}
		})
	}
	kills := 5
	if v, err := strconv.Atoi(os.Getenv("PARLEY_NODE_KILLS")); err == nil && v > 0 {
		kills = v
	}
	for kill := range kills {
		time.Sleep(time.Duration(150+mrand.IntN(250)) * time.Millisecond) // let deposits run; random kill point
		if err := np.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = np.cmd.Wait()
		mu.Lock()
		t.Logf("kill %d: %d envelopes acknowledged so far", kill+1, len(acked))
		mu.Unlock()
		np = startNodeProc(t, bin, dir, 1, "--listen", listen)
	}
	time.Sleep(200 * time.Millisecond)
	stop.Store(true)
	wg.Wait()

	got := drainInbox(t, node, bob.Peerstore().PrivKey(bob.ID()))
	missing := 0
	for env := range acked {
		if !got[env] {
			missing++
		}
	}
	t.Logf("acknowledged %d, fetched %d after %d SIGKILLs", len(acked), len(got), kills)
	if len(acked) == 0 {
		t.Fatal("no deposit was acknowledged")
	}
	if missing > 0 {
		t.Errorf("%d of %d acknowledged envelopes lost", missing, len(acked))
	}
}

// depositUntilError puts envelopes "s<sender>-<seq>" from a fresh client
// host until a PUT fails (the node died), calling ack for each
// acknowledged one. It returns the next sequence number.
func depositUntilError(t *testing.T, node peer.AddrInfo, to peer.ID, sender, seq int, stop *atomic.Bool, ack func(string)) int {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Error(err) // not Fatal: this runs outside the test goroutine
		stop.Store(true)
		return seq
	}
	h, err := p2p.NewHost(context.Background(), p2p.Config{Identity: key, ListenAddrs: []string{}})
	if err != nil {
		t.Error(err)
		stop.Store(true)
		return seq
	}
	defer h.Close()
	c := rendezvous.NewClient(h, node, nil)
	defer c.Close()
	for !stop.Load() {
		env := fmt.Sprintf("s%d-%d", sender, seq)
		err := c.Put(t.Context(), to, []byte(env))
		switch {
		case err == nil:
			ack(env)
			seq++
		case errors.Is(err, rendezvous.ErrRateLimited):
			seq++ // refused, never stored: not counted
			time.Sleep(20 * time.Millisecond)
		default:
			time.Sleep(20 * time.Millisecond) // node down: retry from a new host
			return seq + 1
		}
	}
	return seq
}

// drainInbox fetches and acks everything in the inbox of key.
func drainInbox(t *testing.T, node peer.AddrInfo, key crypto.PrivKey) map[string]bool {
	t.Helper()
	raw, err := key.Raw()
	if err != nil {
		t.Fatal(err)
	}
	h, err := p2p.NewHost(t.Context(), p2p.Config{Identity: raw, ListenAddrs: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	c := rendezvous.NewClient(h, node, nil)
	defer c.Close()
	got := map[string]bool{}
	for range 1000 {
		items, err := c.Fetch(t.Context(), rendezvous.MaxFetchItems)
		if err != nil {
			t.Fatalf("Fetch: %v", err)
		}
		if len(items) == 0 {
			return got
		}
		ids := make([]string, len(items))
		for i, it := range items {
			got[string(it.Envelope)] = true
			ids[i] = it.ID
		}
		if err := c.Ack(t.Context(), ids); err != nil {
			t.Fatalf("Ack: %v", err)
		}
	}
	t.Fatal("inbox not drained after 1000 fetches")
	return nil
}
