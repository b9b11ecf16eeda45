package server

import (
	"errors"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/record"
	"google.golang.org/protobuf/proto"

	"github.com/parley-chat/parley/p2p"
	"github.com/parley-chat/parley/rendezvous"
)

func lookupOne(t *testing.T, c *rendezvous.Client, id peer.ID) rendezvous.Presence {
	t.Helper()
	ps, err := c.Lookup(t.Context(), []peer.ID{id})
	if err != nil || len(ps) != 1 || ps[0].ID != id {
		t.Fatalf("Lookup(%s) = %v, %v", id, ps, err)
	}
	return ps[0]
}

func TestRegisterLookup(t *testing.T) {
	n := startNode(t, Config{})
	alice, ah := newClient(t, n)
	bob, _ := newClient(t, n)
	if p := lookupOne(t, bob, ah.ID()); p.Online {
		t.Fatalf("alice online before registering")
	}
	if err := alice.Register(t.Context(), time.Minute); err != nil {
		t.Fatalf("Register: %v", err)
	}
	p := lookupOne(t, bob, ah.ID())
	if !p.Online || len(p.Addrs) == 0 {
		t.Fatalf("Lookup after Register = %+v, want online with addresses", p)
	}
	if !p.Addrs[0].Equal(ah.Addrs()[0]) {
		t.Errorf("Lookup addr = %s, want %s", p.Addrs[0], ah.Addrs()[0])
	}
}

// TestPresenceOfflineOnDisconnect: a client that goes away shows offline
// within seconds, without waiting for its registration TTL.
func TestPresenceOfflineOnDisconnect(t *testing.T) {
	n := startNode(t, Config{})
	alice, ah := newClient(t, n)
	bob, _ := newClient(t, n)
	if err := alice.Register(t.Context(), time.Hour); err != nil {
		t.Fatal(err)
	}
	if !lookupOne(t, bob, ah.ID()).Online {
		t.Fatal("alice not online after Register")
	}
	start := time.Now()
	_ = ah.Close()
	if !eventually(t, 5*time.Second, func() bool { return !lookupOne(t, bob, ah.ID()).Online }) {
		t.Fatal("alice still online 5s after disconnecting")
	}
	t.Logf("offline %v after disconnect", time.Since(start))
}

func TestRegistrationExpires(t *testing.T) {
	clk := newClock()
	n := startNode(t, Config{Now: clk.Now})
	alice, ah := newClient(t, n)
	bob, _ := newClient(t, n)
	if err := alice.Register(t.Context(), time.Minute); err != nil {
		t.Fatal(err)
	}
	clk.Add(2 * time.Minute)
	if lookupOne(t, bob, ah.ID()).Online {
		t.Error("alice online after her registration TTL")
	}
}

// TestRegisterForeignRecordDenied: a record signed by someone else's key (a
// replayed or stolen record) is refused: the signer must be the transport
// peer.
func TestRegisterForeignRecordDenied(t *testing.T) {
	n := startNode(t, Config{})
	_, ah := newClient(t, n)
	_, mh := newClient(t, n)
	rec := peer.PeerRecordFromAddrInfo(peer.AddrInfo{ID: ah.ID(), Addrs: ah.Addrs()})
	env, err := record.Seal(rec, ah.Peerstore().PrivKey(ah.ID()))
	if err != nil {
		t.Fatal(err)
	}
	signed, _ := env.Marshal()
	req, _ := proto.Marshal(&rendezvous.RegistryRequest{Op: &rendezvous.RegistryRequest_Register{
		Register: &rendezvous.Register{SignedRecord: signed, TtlSeconds: 60},
	}})
	mh.Peerstore().AddAddrs(n.host.ID(), n.host.Addrs(), time.Hour)
	out, err := p2p.Call(t.Context(), mh, n.host.ID(), p2p.ProtoRegistry, req, 0)
	if err != nil {
		t.Fatal(err)
	}
	var resp rendezvous.RegistryResponse
	if err := proto.Unmarshal(out, &resp); err != nil {
		t.Fatal(err)
	}
	if err := rendezvous.StatusError(resp.GetStatus()); !errors.Is(err, rendezvous.ErrDenied) {
		t.Errorf("register of alice's record by mallory = %v, want ErrDenied", err)
	}
}
