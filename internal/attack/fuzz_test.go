package attack

import (
	"context"
	"crypto/rand"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"google.golang.org/protobuf/proto"

	"github.com/parley-chat/parley/app/e2e"
	"github.com/parley-chat/parley/p2p"
	"github.com/parley-chat/parley/rendezvous"
)

// FuzzClientResponses: a malicious node answers every request of
// rendezvous.Client (register, lookup, resolve, put, fetch, ack) with
// arbitrary bytes. The client may return errors but must never panic or
// hang. (The node is not trusted by the client; its answers are a decoder
// of untrusted bytes like any other.)
func FuzzClientResponses(f *testing.F) {
	ok, _ := proto.Marshal(&rendezvous.MailboxResponse{Items: []*rendezvous.MailItem{{Id: "x", Envelope: []byte("e")}}})
	pres, _ := proto.Marshal(&rendezvous.RegistryResponse{Presences: []*rendezvous.PresenceInfo{{PeerId: []byte("bad"), Online: true, Addrs: [][]byte{{0xff}}}}})
	dir, _ := proto.Marshal(&rendezvous.DirectoryResponse{Card: []byte("card"), Owner: []byte("not a peer id")})
	for _, seed := range [][]byte{nil, {}, ok, pres, dir, {0xff, 0xff, 0xff}, {0x08, 0x09}} {
		f.Add(seed)
	}
	ctx := context.Background()
	server, err := NewHostFrom(ctx, "127.0.0.1")
	if err != nil {
		f.Fatal(err)
	}
	defer server.Close()
	client, err := NewHost(ctx)
	if err != nil {
		f.Fatal(err)
	}
	defer client.Close()
	var answer atomic.Pointer[[]byte]
	reply := func(context.Context, peer.ID, []byte) ([]byte, error) { return *answer.Load(), nil }
	for _, id := range []protocol.ID{p2p.ProtoRegistry, p2p.ProtoDirectory, p2p.ProtoMailbox} {
		p2p.Serve(server, id, reply, p2p.Limits{MaxResponse: rendezvous.MaxResponseFrame})
	}
	rc := rendezvous.NewClient(client, peer.AddrInfo{ID: server.ID(), Addrs: server.Addrs()}, nil)
	defer rc.Close()
	f.Fuzz(func(t *testing.T, resp []byte) {
		answer.Store(&resp)
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		_ = rc.Register(cctx, time.Minute)
		_, _ = rc.Lookup(cctx, []peer.ID{server.ID()})
		_, _, _ = rc.Resolve(cctx, "bob")
		_ = rc.Put(cctx, server.ID(), []byte("env"))
		_, _ = rc.Fetch(cctx, 10)
		_ = rc.Ack(cctx, []string{"x"})
		if cctx.Err() != nil {
			t.Fatalf("client calls hung on response %x", resp)
		}
	})
}

// FuzzParseSignedCard: a card from the directory (RESOLVE answers raw card
// bytes chosen by the node) may be refused but never panics, and a card
// that parses re-encodes to bytes that parse to the same card.
func FuzzParseSignedCard(f *testing.F) {
	id, err := e2e.NewIdentity(rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	sc, err := e2e.NewCard(id, "bob", []string{"/ip4/127.0.0.1/tcp/1"}, time.Unix(1700000000, 0))
	if err != nil {
		f.Fatal(err)
	}
	good, _ := sc.MarshalBinary()
	f.Add(good)
	f.Add([]byte{})
	f.Add(good[:len(good)/2])
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := e2e.ParseSignedCard(b)
		if err != nil {
			return
		}
		again, err := c.MarshalBinary()
		if err != nil {
			t.Fatalf("re-encode a parsed card: %v", err)
		}
		c2, err := e2e.ParseSignedCard(again)
		if err != nil || c2.Card.Identity.Ed25519() == nil || c2.Card.Name != c.Card.Name {
			t.Fatalf("re-parsed card differs: %v", err)
		}
	})
}
