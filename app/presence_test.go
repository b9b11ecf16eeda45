package app

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/parley-chat/parley/p2p"
	"github.com/parley-chat/parley/rendezvous"
)

func isPresence(p PeerID, online bool) func(Event) bool {
	return func(ev Event) bool {
		e, ok := ev.(PresenceChanged)
		return ok && e.Peer == p && e.Online == online
	}
}

// waitOnline waits until u sees p online. The PresenceChanged event alone
// is not enough: the presence loop may run between the commit of a
// friendship and the emission of its FriendAccepted event, so the event can
// come first and be skipped by a wait for FriendAccepted. So u's current
// state is checked too.
func (u *testUser) waitOnline(p PeerID) {
	u.t.Helper()
	u.waitOrState(fmt.Sprintf("%s online", p), isPresence(p, true), func() bool { return u.c.peers.isOnline(p) })
}

// TestPresenceAndNodeRestart: friends see each other online; after a node
// restart both clients register again by themselves and messages flow; a
// friend that leaves is shown offline.
func TestPresenceAndNodeRestart(t *testing.T) {
	node := startNode(t)
	alice, bob := newUser(t, "alice", node.addr), newUser(t, "bob", node.addr)
	befriend(t, alice, bob)
	aliceID, bobID := alice.id(), bob.id()
	alice.waitOnline(bobID)

	node.restart(t)
	// The restarted node forgot every registration: both clients must
	// notice the dropped connection and register again by themselves.
	waitRegistered(t, node, aliceID)
	waitRegistered(t, node, bobID)

	id, err := alice.c.Send(t.Context(), bobID, "after the restart")
	if err != nil {
		t.Fatal(err)
	}
	bob.wait("message", isArrived("after the restart"))
	alice.wait("delivered", isStatus(id, StatusDelivered))

	bob.close()
	alice.wait("bob offline", isPresence(bobID, false))
}

// waitRegistered polls the node's registry (as a third party would) until p
// is online, for at most 20 s.
func waitRegistered(t *testing.T, node *testNode, p PeerID) {
	t.Helper()
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	h, err := p2p.NewHost(t.Context(), p2p.Config{Identity: key, ListenAddrs: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	ai, _ := peer.AddrInfoFromString(node.addr)
	rc := rendezvous.NewClient(h, *ai, nil)
	defer rc.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := rc.Lookup(t.Context(), []peer.ID{p.libp2p()})
		if err == nil && len(res) == 1 && res[0].Online {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not registered on the restarted node within 20 s (%v, %v)", p, res, err)
		}
		time.Sleep(50 * time.Millisecond) // poll interval of a bounded wait
	}
}

// TestRequestQueueBounded: strangers cannot grow the request queue past
// MaxPendingRequests, and requests are rate-limited.
func TestRequestQueueBounded(t *testing.T) {
	bob := newUser(t, "bob")
	// The bucket refills at requestRate per second of wall time; a frozen
	// clock keeps a slow (-race, loaded) run from earning extra tokens.
	frozen := time.Now()
	still := func() time.Time { return frozen }
	bob.c.reqLimit = newBucket(requestRate, requestBurst, still)
	// Over the rate: requests past the burst wait (RETRY: left on the
	// node, fetched again later), they are not dropped.
	var burst [][]byte
	for range requestBurst + 10 {
		burst = append(burst, newStrangerRequest(t, bob))
	}
	verdicts, err := bob.c.ingest("", burst)
	if err != nil {
		t.Fatal(err)
	}
	retry := 0
	for _, v := range verdicts {
		if v == Verdict_VERDICT_RETRY {
			retry++
		}
	}
	if n := len(bob.c.Requests()); n != requestBurst || retry != 10 {
		t.Fatalf("over the rate: %d stored, %d to retry; want %d and 10", n, retry, requestBurst)
	}

	bob.c.reqLimit = newBucket(1e9, 1<<30, time.Now) // now measure the bound, not the rate
	var packets [][]byte
	for range MaxPendingRequests - requestBurst + 20 {
		stranger := newStrangerRequest(t, bob)
		packets = append(packets, stranger)
	}
	verdicts, err = bob.c.ingest("", packets)
	if err != nil {
		t.Fatal(err)
	}
	refused := 0
	for _, v := range verdicts {
		if v == Verdict_VERDICT_REFUSED {
			refused++
		}
	}
	if n := len(bob.c.Requests()); n != MaxPendingRequests || refused != 20 {
		t.Fatalf("%d requests stored, %d refused; want %d and 20", n, refused, MaxPendingRequests)
	}

	b := newBucket(requestRate, requestBurst, still)
	allowed := 0
	for range 100 {
		if b.allow() {
			allowed++
		}
	}
	if allowed != requestBurst {
		t.Fatalf("rate limiter allowed %d of 100 at once, want the burst of %d", allowed, requestBurst)
	}
}
