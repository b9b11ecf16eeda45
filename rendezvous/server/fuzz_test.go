package server

import (
	"context"
	"testing"

	"github.com/libp2p/go-libp2p/core/peer"
	"google.golang.org/protobuf/proto"

	"github.com/parley-chat/parley/rendezvous"
)

// FuzzHandlers feeds arbitrary request frames to the three node handlers:
// they may refuse (an error resets the stream, or a status says no) but must
// never panic. The first byte picks the protocol.
func FuzzHandlers(f *testing.F) {
	s, err := Open(Config{Dir: f.TempDir(), MaxEnvelopeBytes: 1 << 10})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = s.Close() })
	seed := func(which byte, m proto.Message) {
		b, err := proto.Marshal(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(append([]byte{which}, b...))
	}
	to := []byte(peer.ID("\x00\x24\x08\x01\x12\x20" + string(make([]byte, 32))))
	seed(0, &rendezvous.RegistryRequest{Op: &rendezvous.RegistryRequest_Lookup{Lookup: &rendezvous.Lookup{PeerIds: [][]byte{to}}}})
	seed(0, &rendezvous.RegistryRequest{Op: &rendezvous.RegistryRequest_Register{Register: &rendezvous.Register{SignedRecord: []byte{1, 2}}}})
	seed(1, &rendezvous.DirectoryRequest{Op: &rendezvous.DirectoryRequest_Claim{Claim: &rendezvous.Claim{Username: "alice", Card: []byte("c")}}})
	seed(1, &rendezvous.DirectoryRequest{Op: &rendezvous.DirectoryRequest_Resolve{Resolve: &rendezvous.Resolve{Username: "alice"}}})
	seed(2, &rendezvous.MailboxRequest{Op: &rendezvous.MailboxRequest_Put{Put: &rendezvous.Put{To: to, Envelope: []byte("x")}}})
	seed(2, &rendezvous.MailboxRequest{Op: &rendezvous.MailboxRequest_Fetch{Fetch: &rendezvous.Fetch{Max: 3}}})
	seed(2, &rendezvous.MailboxRequest{Op: &rendezvous.MailboxRequest_Fetch{Fetch: &rendezvous.Fetch{Max: 3, After: "0011223344556677"}}})
	seed(2, &rendezvous.MailboxRequest{Op: &rendezvous.MailboxRequest_Fetch{Fetch: &rendezvous.Fetch{After: "ffffffffffffffff"}}})
	seed(2, &rendezvous.MailboxRequest{Op: &rendezvous.MailboxRequest_Fetch{Fetch: &rendezvous.Fetch{After: "zz"}}})
	seed(2, &rendezvous.MailboxRequest{Op: &rendezvous.MailboxRequest_Ack{Ack: &rendezvous.Ack{Ids: []string{"0011223344556677", "zz"}}}})
	handlers := []func(context.Context, peer.ID, []byte) ([]byte, error){s.reg.handle, s.dir.handle, s.mbox.handle}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) == 0 {
			return
		}
		_, _ = handlers[int(in[0])%len(handlers)](t.Context(), peer.ID("fuzzer"), in[1:])
	})
}
