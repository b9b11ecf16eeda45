package p2p

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
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

// TestRoundTripMsg: RoundTripMsg sends exactly m's encoding as the request
// (a long one, on a fresh and then a reused stream) and refuses a message
// above the request bound before writing anything, leaving the stream usable.
func TestRoundTripMsg(t *testing.T) {
	const echo protocol.ID = "/parley/test-echo/1"
	srv := newHost(t, Config{ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}})
	Serve(srv, echo, func(_ context.Context, _ peer.ID, req []byte) ([]byte, error) { return req, nil }, Limits{MaxRequest: 1 << 20, MaxResponse: 1 << 20})
	cli := newHost(t, Config{ListenAddrs: []string{}})
	connect(t, cli, srv)
	s := NewStream(cli, srv.ID(), echo, 1<<20)
	defer s.Close()
	for _, n := range []int{0, 70 << 10} {
		m := wrapperspb.Bytes(bytes.Repeat([]byte{0x7e}, n))
		want, err := proto.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		resp, id, err := s.RoundTripMsg(t.Context(), m)
		if err != nil || id != echo || !bytes.Equal(resp, want) {
			t.Fatalf("RoundTripMsg(%d bytes) = %d bytes, %s, %v; want the %d-byte encoding", n, len(resp), id, err, len(want))
		}
	}
	big := wrapperspb.Bytes(make([]byte, maxCallRequest))
	if _, _, err := s.RoundTripMsg(t.Context(), big); !errors.Is(err, ErrFrameTooLarge) {
		t.Fatalf("RoundTripMsg(over the bound) = %v, want ErrFrameTooLarge", err)
	}
	if resp, _, err := s.RoundTripMsg(t.Context(), wrapperspb.String("after")); err != nil || len(resp) == 0 {
		t.Fatalf("RoundTripMsg after a refused request = %q, %v", resp, err)
	}
}
