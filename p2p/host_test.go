package p2p

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	ma "github.com/multiformats/go-multiaddr"
)

const echoProto protocol.ID = "/parley/test-echo/1"

func newKey(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// newHost starts a host on loopback (TCP and QUIC) and closes it at cleanup.
func newHost(t testing.TB, cfg Config) host.Host {
	t.Helper()
	if cfg.Identity == nil {
		cfg.Identity = newKey(t)
	}
	if cfg.ListenAddrs == nil {
		cfg.ListenAddrs = []string{"/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/udp/0/quic-v1"}
	}
	h, err := NewHost(context.Background(), cfg)
	if err != nil {
		t.Fatalf("NewHost: %v", err)
	}
	t.Cleanup(func() { _ = h.Close() })
	return h
}

func connect(t testing.TB, a, b host.Host) {
	t.Helper()
	if err := a.Connect(context.Background(), peer.AddrInfo{ID: b.ID(), Addrs: b.Addrs()}); err != nil {
		t.Fatalf("connect: %v", err)
	}
}

func echo(_ context.Context, _ peer.ID, req []byte) ([]byte, error) { return req, nil }

func TestNewHostIdentity(t *testing.T) {
	k := newKey(t)
	h := newHost(t, Config{Identity: k})
	want, err := peer.IDFromPublicKey(mustPub(t, k))
	if err != nil {
		t.Fatal(err)
	}
	if h.ID() != want {
		t.Errorf("host ID = %s, want %s (from the Ed25519 key)", h.ID(), want)
	}
	if _, err := NewHost(context.Background(), Config{Identity: k[:32]}); err == nil {
		t.Error("NewHost accepted a 32-byte key")
	}
}

// TestTransports: a one-shot call and a persistent stream work over both
// TCP and QUIC.
func TestTransports(t *testing.T) {
	for _, tr := range []string{"/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/udp/0/quic-v1"} {
		t.Run(tr, func(t *testing.T) {
			srv := newHost(t, Config{ListenAddrs: []string{tr}, Profile: ProfileNode})
			Serve(srv, echoProto, echo, Limits{})
			cli := newHost(t, Config{ListenAddrs: []string{}})
			connect(t, cli, srv)
			ctx := t.Context()
			got, err := Call(ctx, cli, srv.ID(), echoProto, []byte("hello"), 0)
			if err != nil || string(got) != "hello" {
				t.Fatalf("Call = %q, %v; want hello", got, err)
			}
			s := NewStream(cli, srv.ID(), echoProto, 0)
			defer s.Close()
			for i := range 100 {
				msg := fmt.Appendf(nil, "msg %d", i)
				got, err := s.RoundTrip(ctx, msg)
				if err != nil || !bytes.Equal(got, msg) {
					t.Fatalf("RoundTrip %d = %q, %v", i, got, err)
				}
			}
		})
	}
}

// TestServeRejectsBadFrames: oversized, length-lying, truncated and
// slow-loris requests are reset and counted, and the host keeps serving a
// well-behaved peer throughout.
func TestServeRejectsBadFrames(t *testing.T) {
	var mu sync.Mutex
	reasons := map[string]int{}
	srv := newHost(t, Config{ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}, Profile: ProfileNode})
	Serve(srv, echoProto, echo, Limits{
		MaxRequest: 1024, Read: 300 * time.Millisecond,
		OnBadFrame: func(_ protocol.ID, r string) { mu.Lock(); reasons[r]++; mu.Unlock() },
	})
	bad := newHost(t, Config{ListenAddrs: []string{}})
	good := newHost(t, Config{ListenAddrs: []string{}})
	connect(t, bad, srv)
	connect(t, good, srv)
	cases := []struct {
		name, reason string
		send         []byte
		closeWrite   bool
	}{
		{"oversized", "too_large", append(binary.AppendUvarint(nil, 2048), make([]byte, 2048)...), false},
		{"claims 4 GiB", "too_large", binary.AppendUvarint(nil, 4<<30), false},
		{"truncated", "truncated", append(binary.AppendUvarint(nil, 100), make([]byte, 10)...), true},
		{"slow loris", "timeout", append(binary.AppendUvarint(nil, 100), make([]byte, 10)...), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := bad.NewStream(t.Context(), srv.ID(), echoProto)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Reset()
			_ = s.SetDeadline(time.Now().Add(5 * time.Second))
			if _, err := s.Write(c.send); err != nil {
				t.Fatal(err)
			}
			if c.closeWrite {
				_ = s.CloseWrite()
			}
			start := time.Now()
			if _, err := io.ReadAll(s); err == nil {
				t.Errorf("stream ended cleanly; want a reset")
			}
			if c.reason == "timeout" && time.Since(start) > 3*time.Second {
				t.Errorf("slow-loris stream lived %v; want it cut after ~300ms", time.Since(start))
			}
			got, err := Call(t.Context(), good, srv.ID(), echoProto, []byte("still here"), 0)
			if err != nil || string(got) != "still here" {
				t.Errorf("good peer: Call = %q, %v", got, err)
			}
			waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return reasons[c.reason] > 0 })
		})
	}
}

// TestServeHandlerError: a handler error resets the stream, and a Stream
// reopens on the next round trip.
func TestServeHandlerError(t *testing.T) {
	srv := newHost(t, Config{ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}})
	Serve(srv, echoProto, func(_ context.Context, _ peer.ID, req []byte) ([]byte, error) {
		if string(req) == "fail" {
			return nil, errors.New("bad request")
		}
		return req, nil
	}, Limits{})
	cli := newHost(t, Config{ListenAddrs: []string{}})
	connect(t, cli, srv)
	s := NewStream(cli, srv.ID(), echoProto, 0)
	defer s.Close()
	if _, err := s.RoundTrip(t.Context(), []byte("fail")); err == nil {
		t.Fatal("RoundTrip(fail) succeeded")
	}
	if got, err := s.RoundTrip(t.Context(), []byte("ok")); err != nil || string(got) != "ok" {
		t.Fatalf("RoundTrip after reset = %q, %v", got, err)
	}
}

// TestRelay: two hosts that cannot dial each other talk through a relay
// service host on loopback, over a connection that outlives libp2p's
// default 128 KiB relay data limit.
func TestRelay(t *testing.T) {
	relayHost := newHost(t, Config{ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}, Profile: ProfileNode, RelayService: true})
	b := newHost(t, Config{ListenAddrs: []string{}})
	a := newHost(t, Config{ListenAddrs: []string{}})
	relayInfo := peer.AddrInfo{ID: relayHost.ID(), Addrs: relayHost.Addrs()}
	connect(t, b, relayHost)
	if _, err := ReserveRelay(t.Context(), b, relayInfo); err != nil {
		t.Fatalf("reserve: %v", err)
	}
	var served atomic.Int64
	Serve(b, echoProto, func(_ context.Context, _ peer.ID, req []byte) ([]byte, error) {
		served.Add(int64(len(req)))
		return req[:1], nil
	}, Limits{})
	circuit, err := ma.NewMultiaddr(fmt.Sprintf("/p2p/%s/p2p-circuit", relayHost.ID()))
	if err != nil {
		t.Fatal(err)
	}
	relayed := relayInfo.Addrs[0].Encapsulate(circuit)
	if err := a.Connect(t.Context(), peer.AddrInfo{ID: b.ID(), Addrs: []ma.Multiaddr{relayed}}); err != nil {
		t.Fatalf("connect via relay: %v", err)
	}
	ctx := network.WithAllowLimitedConn(t.Context(), "chat")
	s := NewStream(a, b.ID(), echoProto, 0)
	defer s.Close()
	chunk := make([]byte, 32<<10)
	for i := range 8 { // 256 KiB: twice libp2p's default relay data limit
		if _, err := s.RoundTrip(ctx, chunk); err != nil {
			t.Fatalf("relayed round trip %d: %v", i, err)
		}
	}
	if conns := a.Network().ConnsToPeer(b.ID()); len(conns) == 0 || !conns[0].Stat().Limited {
		t.Errorf("a's connection to b is not a relayed (limited) one")
	}
	if served.Load() != 8*32<<10 {
		t.Errorf("b served %d bytes, want %d", served.Load(), 8*32<<10)
	}
}

func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestServeIdleClose: a server closes a stream left idle past Limits.Idle
// (without counting it as a bad frame), and a persistent Stream reopens
// transparently on its next round trip.
func TestServeIdleClose(t *testing.T) {
	var bad atomic.Int64
	srv := newHost(t, Config{ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}})
	Serve(srv, echoProto, echo, Limits{Idle: 100 * time.Millisecond, OnBadFrame: func(protocol.ID, string) { bad.Add(1) }})
	cli := newHost(t, Config{ListenAddrs: []string{}})
	connect(t, cli, srv)
	s := NewStream(cli, srv.ID(), echoProto, 0)
	defer s.Close()
	if _, err := s.RoundTrip(t.Context(), []byte("one")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { // the server has let go of its side
		for _, c := range srv.Network().ConnsToPeer(cli.ID()) {
			for _, st := range c.GetStreams() {
				if st.Protocol() == echoProto {
					return false
				}
			}
		}
		return true
	})
	if got, err := s.RoundTrip(t.Context(), []byte("two")); err != nil || string(got) != "two" {
		t.Fatalf("RoundTrip after idle close = %q, %v", got, err)
	}
	if bad.Load() != 0 {
		t.Errorf("idle close counted as %d bad frames", bad.Load())
	}
}
