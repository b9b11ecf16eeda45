package p2p

import (
	"io"
	"testing"

	"github.com/libp2p/go-libp2p/core/network"
)

// BenchmarkStreamRoundTrip is the baseline for the other figures: a raw
// libp2p 64-byte echo on one persistent stream (TCP, Noise, yamux on
// loopback), with no framing or adapter of ours.
func BenchmarkStreamRoundTrip(b *testing.B) {
	srv := newHost(b, Config{ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}})
	srv.SetStreamHandler(echoProto, func(s network.Stream) {
		buf := make([]byte, 64)
		for {
			if _, err := io.ReadFull(s, buf); err != nil {
				_ = s.Reset()
				return
			}
			if _, err := s.Write(buf); err != nil {
				_ = s.Reset()
				return
			}
		}
	})
	cli := newHost(b, Config{ListenAddrs: []string{}})
	connect(b, cli, srv)
	s, err := cli.NewStream(b.Context(), srv.ID(), echoProto)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Reset()
	msg := make([]byte, 64)
	buf := make([]byte, 64)
	b.SetBytes(64)
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Write(msg); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(s, buf); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFramedRoundTrip is the same echo through our framing, Serve
// adapter and persistent Stream: the cost of the p2p layer over the baseline.
func BenchmarkFramedRoundTrip(b *testing.B) {
	srv := newHost(b, Config{ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}})
	Serve(srv, echoProto, echo, Limits{})
	cli := newHost(b, Config{ListenAddrs: []string{}})
	connect(b, cli, srv)
	s := NewStream(cli, srv.ID(), echoProto, 0)
	defer s.Close()
	msg := make([]byte, 64)
	b.SetBytes(64)
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.RoundTrip(b.Context(), msg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewStreamCall opens a new stream per message (Call), to show why
// the protocols keep streams open.
func BenchmarkNewStreamCall(b *testing.B) {
	srv := newHost(b, Config{ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}})
	Serve(srv, echoProto, echo, Limits{})
	cli := newHost(b, Config{ListenAddrs: []string{}})
	connect(b, cli, srv)
	msg := make([]byte, 64)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Call(b.Context(), cli, srv.ID(), echoProto, msg, 0); err != nil {
			b.Fatal(err)
		}
	}
}
