package p2p

import (
	"context"
	"testing"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
)

// TestVersionedStream: a versioned stream speaks the newest version the
// server has, falls back to an older one, and says which one answered.
func TestVersionedStream(t *testing.T) {
	const v1, v2, v3 protocol.ID = "/parley/test-echo/1", "/parley/test-echo/2", "/parley/test-echo/3"
	tag := func(v string) Handler {
		return func(_ context.Context, _ peer.ID, req []byte) ([]byte, error) { return append(req, v...), nil }
	}
	for _, tc := range []struct {
		name   string
		served []protocol.ID
		want   protocol.ID
	}{
		{"both", []protocol.ID{v1, v2}, v2},
		{"old server", []protocol.ID{v1}, v1},
		{"new server only", []protocol.ID{v2}, v2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newHost(t, Config{ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}})
			for _, id := range tc.served {
				Serve(srv, id, tag(string(id)), Limits{})
			}
			cli := newHost(t, Config{ListenAddrs: []string{}})
			connect(t, cli, srv)
			s := NewVersionedStream(cli, srv.ID(), 0, v2, v1)
			defer s.Close()
			for range 2 { // a fresh stream, then the reused one
				resp, id, err := s.RoundTripProto(t.Context(), []byte("x"))
				if err != nil || id != tc.want || string(resp) != "x"+string(tc.want) {
					t.Fatalf("RoundTripProto = %q, %s, %v; want %q, %s", resp, id, err, "x"+string(tc.want), tc.want)
				}
			}
		})
	}
	t.Run("none", func(t *testing.T) {
		srv := newHost(t, Config{ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}})
		Serve(srv, v3, tag(string(v3)), Limits{})
		cli := newHost(t, Config{ListenAddrs: []string{}})
		connect(t, cli, srv)
		s := NewVersionedStream(cli, srv.ID(), 0, v2, v1)
		defer s.Close()
		if resp, id, err := s.RoundTripProto(t.Context(), []byte("x")); err == nil {
			t.Fatalf("RoundTripProto with no common version = %q, %s, nil; want an error", resp, id)
		}
	})
}
