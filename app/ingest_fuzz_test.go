package app

import (
	"crypto/rand"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/parley-chat/parley/app/e2e"
)

// FuzzIngest feeds arbitrary bytes to the receive path (what a mailbox or a
// direct stream can deliver) of a client that has one friend. Every input
// must end in a verdict, never a panic or a vault error, and the friend
// list must not change: nothing a stranger sends becomes a friend.
func FuzzIngest(f *testing.F) {
	node := startNode(f)
	alice := newUser(f, "alice", node.addr)
	bob := newUser(f, "bob", node.addr)
	befriend(f, alice, bob)

	f.Add([]byte{})
	f.Add([]byte("not a packet"))
	for _, p := range []*Packet{
		{Body: &Packet_Envelope{Envelope: []byte("garbage envelope")}, MessageId: "00112233445566778899aabbccddeeff"},
		{Body: &Packet_Request{Request: []byte("garbage request")}},
		{Body: &Packet_Accept{Accept: []byte("garbage accept")}},
		{Body: &Packet_Request{Request: strangerRequest(f, alice.c.Me().Invite)}},
	} {
		raw, err := proto.Marshal(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	friends := func() int {
		n := 0
		for _, c := range alice.c.Contacts() {
			if c.State == StateFriend {
				n++
			}
		}
		return n
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		verdicts, err := alice.c.ingest("", [][]byte{data})
		if err != nil {
			t.Fatalf("ingest(%x) = %v, want a verdict", data, err)
		}
		if len(verdicts) != 1 {
			t.Fatalf("ingest returned %d verdicts for 1 packet", len(verdicts))
		}
		if n := friends(); n != 1 {
			t.Fatalf("after ingest(%x) alice has %d friends, want 1", data, n)
		}
	})
}

// strangerRequest seals a real friend request from a fresh identity to the
// holder of invite, so the fuzzer starts from a packet that opens.
func strangerRequest(tb testing.TB, invite string) []byte {
	tb.Helper()
	to, err := e2e.ParseInvite(invite)
	if err != nil {
		tb.Fatalf("ParseInvite: %v", err)
	}
	me, err := e2e.NewIdentity(rand.Reader)
	if err != nil {
		tb.Fatalf("NewIdentity: %v", err)
	}
	card, err := e2e.NewCard(me, "mallory", nil, time.Now())
	if err != nil {
		tb.Fatalf("NewCard: %v", err)
	}
	sealed, _, err := e2e.NewRequest(rand.Reader, me, card, to, "let me in", time.Now())
	if err != nil {
		tb.Fatalf("NewRequest: %v", err)
	}
	return sealed
}
