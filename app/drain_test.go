package app

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/parley-chat/parley/p2p"
	"github.com/parley-chat/parley/rendezvous"
)

// deposit puts packets into to's inbox on node, from fresh peer IDs, each
// within the node's per-sender burst.
func deposit(t *testing.T, node *testNode, to PeerID, packets [][]byte) {
	t.Helper()
	ai, err := peer.AddrInfoFromString(node.addr)
	if err != nil {
		t.Fatal(err)
	}
	for len(packets) > 0 {
		_, key, _ := ed25519.GenerateKey(rand.Reader)
		h, err := p2p.NewHost(t.Context(), p2p.Config{Identity: key, ListenAddrs: []string{}})
		if err != nil {
			t.Fatal(err)
		}
		rc := rendezvous.NewClient(h, *ai, nil)
		n := min(len(packets), 90)
		for i, p := range packets[:n] {
			if err := rc.Put(t.Context(), to.libp2p(), p); err != nil {
				t.Fatalf("deposit %d: %v", i, err)
			}
		}
		_ = rc.Close()
		_ = h.Close()
		packets = packets[n:]
	}
}

// strangerFlood returns more friend requests to bob than one FETCH page
// holds once the request burst is spent.
func strangerFlood(t *testing.T, bob *testUser) [][]byte {
	t.Helper()
	flood := make([][]byte, rendezvous.MaxFetchItems+requestBurst+64)
	for i := range flood {
		flood[i] = newStrangerRequest(t, bob)
	}
	return flood
}

// TestStrangerFloodDoesNotDelayFriends (issue 6, item 12): more than a
// FETCH page of stranger requests over the rate limit wait in bob's
// mailbox; alice's messages deposited behind them arrive at once (read past
// them with the FETCH cursor), not at the pace of the request rate limit
// (≈ 70 s here), and the rate limit still holds.
func TestStrangerFloodDoesNotDelayFriends(t *testing.T) {
	node := startNode(t)
	alice, bob := newUser(t, "alice", node.addr), newUser(t, "bob", node.addr)
	befriend(t, alice, bob)
	bobID := bob.id()
	flood := strangerFlood(t, bob)
	bob.close()
	alice.wait("bob offline", isPresence(bobID, false))
	deposit(t, node, bobID, flood)
	pending := make(map[string]bool)
	for i := range 3 {
		text := fmt.Sprintf("behind the flood %d", i)
		id, err := alice.c.Send(t.Context(), bobID, text)
		if err != nil {
			t.Fatal(err)
		}
		alice.wait("in the mailbox", isStatus(id, StatusMailbox))
		pending[text] = true
	}

	start := time.Now()
	bob.open()
	for len(pending) > 0 {
		ev := bob.wait("alice's messages", func(ev Event) bool {
			m, ok := ev.(MessageArrived)
			return ok && pending[m.Msg.Text]
		})
		delete(pending, ev.(MessageArrived).Msg.Text)
	}
	took := time.Since(start)
	t.Logf("alice's messages behind %d stranger requests arrived in %v", len(flood), took.Round(time.Millisecond))
	if took > 10*time.Second {
		t.Errorf("alice's messages behind %d stranger requests took %v, want < 10 s", len(flood), took)
	}
	if n, bound := len(bob.c.Requests()), requestBurst+int(time.Since(start).Seconds())+1; n > bound {
		t.Errorf("bob holds %d requests, more than the rate limit admits (%d)", n, bound)
	}
}

// TestDrainOnOldNode: on a node from before the FETCH cursor (it serves
// /parley/mailbox/1 only) a drain behind a page of requests that must wait
// ends, as before the cursor, instead of reading the same page for ever;
// the waiting requests stay on the node.
func TestDrainOnOldNode(t *testing.T) {
	node := startNode(t)
	node.host.RemoveStreamHandler(p2p.ProtoMailbox)
	bob := newUser(t, "bob", node.addr)
	bobID := bob.id()
	flood := strangerFlood(t, bob)
	bob.close()
	deposit(t, node, bobID, flood)

	c := bob.openIdle()
	t.Cleanup(func() { _ = c.Close() })
	frozen := time.Now()
	c.reqLimit = newBucket(requestRate, requestBurst, func() time.Time { return frozen })
	home := c.nodes.home()[0]
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := c.drain(ctx, home); err != nil {
		t.Fatalf("drain on a /1 node: %v", err)
	}
	if n := len(c.Requests()); n != requestBurst {
		t.Errorf("after the drain bob holds %d requests, want the burst of %d", n, requestBurst)
	}
	left, err := home.Fetch(ctx, 0)
	if err != nil || len(left) != rendezvous.MaxFetchItems {
		t.Errorf("Fetch after the drain = %d items, %v; want a full page of waiting requests", len(left), err)
	}
	if _, err := home.FetchAfter(ctx, 0, "0000000000000000"); !errors.Is(err, rendezvous.ErrNoCursor) {
		t.Errorf("FetchAfter on a /1 node = %v, want ErrNoCursor", err)
	}
}
