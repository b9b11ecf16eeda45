package app

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/parley-chat/parley/vault"
)

// TestEmbeddedNodeInvite (zero set-up): two profiles without a home node,
// on 127.0.0.1, without mDNS and without any help from the test to
// connect them: the invite alone carries bob's own address, so alice
// reaches him, and messages go both ways. A message sent while bob is
// away waits in alice's outbox (his node is away with him) and is
// delivered when he comes back (directly, or through his embedded mailbox
// and a receipt).
func TestEmbeddedNodeInvite(t *testing.T) {
	alice, bob := newUser(t, "alice"), newUser(t, "bob")
	bobID := bob.id()
	ci, err := parseInviteCard(bob.c.Me().Invite)
	if err != nil {
		t.Fatalf("bob's invite: %v", err)
	}
	want := fmt.Sprintf("%s/p2p/%s", bob.c.host.Addrs()[0], bobID)
	if !slices.Equal(ci.Nodes, []string{want}) {
		t.Fatalf("bob's card nodes = %q, want [%s]", ci.Nodes, want)
	}
	if me := bob.c.Me(); len(me.Nodes) != 0 || !bob.c.Status().Embedded {
		t.Fatalf("bob's home nodes = %q, embedded = %v; want none, true", me.Nodes, bob.c.Status().Embedded)
	}

	befriend(t, alice, bob)
	id, err := alice.c.Send(t.Context(), bobID, "hello embedded bob")
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	bob.wait("message", isArrived("hello embedded bob"))
	alice.wait("delivered", isStatus(id, StatusDelivered))
	id2, err := bob.c.Send(t.Context(), alice.id(), "hello embedded alice")
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	alice.wait("message", isArrived("hello embedded alice"))
	bob.wait("delivered", isStatus(id2, StatusDelivered))

	// Bob goes away; he comes back on the same address (as an embedded
	// profile does by default: embeddedListen).
	bob.listen = bob.c.host.Addrs()[0].String()
	bob.close()
	id3, err := alice.c.Send(t.Context(), bobID, "while you were away")
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if n := alice.c.Status().Outbox; n != 1 {
		t.Fatalf("alice's outbox holds %d items, want 1", n)
	}
	bob.open()
	bob.wait("message after return", isArrived("while you were away"))
	// Direct delivery and a deposit in bob's own (embedded) mailbox race
	// once he is back; either way it must end delivered.
	alice.wait("delivered after return", isStatus(id3, StatusDelivered))
	if got, err := parseInviteCard(bob.c.Me().Invite); err != nil || !slices.Equal(got.Nodes, ci.Nodes) {
		t.Fatalf("bob's card after restart lists %q (%v), want %q", got.Nodes, err, ci.Nodes)
	}
}

func TestDialableAddrs(t *testing.T) {
	self, err := peer.Decode("12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo")
	if err != nil {
		t.Fatal(err)
	}
	addrs := func(ss ...string) []ma.Multiaddr {
		var out []ma.Multiaddr
		for _, s := range ss {
			out = append(out, ma.StringCast(s))
		}
		return out
	}
	suffix := "/p2p/" + self.String()
	got := dialableAddrs(addrs("/ip4/0.0.0.0/tcp/4001", "/ip4/127.0.0.1/tcp/4001", "/ip4/192.168.1.7/tcp/4001",
		"/ip4/192.168.1.7/tcp/4001", "/ip6/fe80::1/tcp/4001", "/ip4/192.168.1.7/udp/4001/quic-v1"), self)
	want := []string{"/ip4/192.168.1.7/tcp/4001" + suffix, "/ip4/192.168.1.7/udp/4001/quic-v1" + suffix}
	if !slices.Equal(got, want) {
		t.Fatalf("LAN host: %q, want %q", got, want)
	}
	got = dialableAddrs(addrs("/ip4/127.0.0.1/tcp/5000", "/ip6/::1/tcp/5000", "/ip4/0.0.0.0/tcp/5000"), self)
	want = []string{"/ip4/127.0.0.1/tcp/5000" + suffix, "/ip6/::1/tcp/5000" + suffix}
	if !slices.Equal(got, want) {
		t.Fatalf("loopback only: %q, want %q", got, want)
	}
	var many []string
	for i := range 20 {
		many = append(many, fmt.Sprintf("/ip4/10.0.0.%d/tcp/1", i+1))
	}
	if got := dialableAddrs(addrs(many...), self); len(got) != 8 || !strings.HasSuffix(got[0], suffix) {
		t.Fatalf("20 addresses gave %d (%q), want 8", len(got), got)
	}
}

func TestEmbeddedListen(t *testing.T) {
	id, err := newIdentity()
	if err != nil {
		t.Fatal(err)
	}
	suffix := "/p2p/" + string(id.peerID())
	card, err := id.card("bob", []string{"/ip4/192.168.1.7/tcp/4001" + suffix, "/ip4/10.0.0.2/tcp/4001" + suffix,
		"/ip4/192.168.1.7/udp/4002/quic-v1" + suffix, "/ip6/2001:db8::1/tcp/4003" + suffix}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	got := embeddedListen(card)
	want := []string{"/ip4/0.0.0.0/tcp/4001", "/ip4/0.0.0.0/udp/4002/quic-v1", "/ip6/::/tcp/4003"}
	if !slices.Equal(got, want) {
		t.Fatalf("embeddedListen = %q, want %q", got, want)
	}
	empty, err := id.card("bob", nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got := embeddedListen(empty); got != nil {
		t.Fatalf("embeddedListen(no nodes) = %q, want nil (the defaults)", got)
	}
}

// TestEmbeddedMailboxRead: an envelope deposited in bob's embedded
// mailbox (what alice does when a direct delivery did not go through)
// while bob's app runs is read by bob from his own node and acknowledged.
func TestEmbeddedMailboxRead(t *testing.T) {
	alice, bob := newUser(t, "alice"), newUser(t, "bob")
	befriend(t, alice, bob)
	bobID := bob.id()
	bobCard, err := parseInviteCard(bob.c.Me().Invite)
	if err != nil {
		t.Fatal(err)
	}
	nodes, err := parseNodes(bobCard.Nodes)
	if err != nil || len(nodes) != 1 {
		t.Fatalf("bob's nodes %q: %v", bobCard.Nodes, err)
	}
	// Alice, not running, seals a message and puts it into bob's mailbox
	// only (it leaves her outbox, so it cannot also arrive directly).
	alice.close()
	c := alice.openIdle()
	id, err := c.Send(t.Context(), bobID, "via your own mailbox")
	if err != nil {
		t.Fatal(err)
	}
	var payload []byte
	err = c.v.Update(func(tx *vault.Tx) error {
		it, err := tx.GetOutbox(string(id))
		if err != nil {
			return err
		}
		payload = it.Payload
		return tx.DeleteOutbox(string(id))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.nodes.client(nodes[0]).Put(t.Context(), bobID.libp2p(), payload); err != nil {
		t.Fatalf("Put into bob's embedded mailbox: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	bob.wait("message from his own mailbox", isArrived("via your own mailbox"))
	// Acknowledged: a second fetch finds the inbox empty.
	bob.c.fetchAll(t.Context())
	items, err := bob.c.nodes.localInbox().Fetch(t.Context(), 10)
	if err != nil || len(items) != 0 {
		t.Fatalf("bob's inbox after reading: %d items, %v; want 0", len(items), err)
	}
}
