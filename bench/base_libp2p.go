package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/p2p/muxer/yamux"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
)

const echoProto = protocol.ID("/parley-bench/echo/1")

// bareHost is a plain libp2p host: TCP + Noise + yamux on 127.0.0.1 only,
// no relay, NAT or resource limits, so the baseline is the transport itself.
func bareHost() (host.Host, error) {
	h, err := libp2p.New(
		libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"),
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.Security(noise.ID, noise.New),
		libp2p.Muxer(yamux.ID, yamux.DefaultTransport),
		libp2p.DisableRelay(),
		libp2p.ResourceManager(&network.NullResourceManager{}),
	)
	if err != nil {
		return nil, fmt.Errorf("libp2p host: %w", err)
	}
	return h, nil
}

// echoPair is two bare hosts with an open echo stream from a to b.
type echoPair struct {
	a, b host.Host
	s    network.Stream
}

func newEchoPair(ctx context.Context) (*echoPair, error) {
	a, err := bareHost()
	if err != nil {
		return nil, err
	}
	b, err := bareHost()
	if err != nil {
		a.Close()
		return nil, err
	}
	b.SetStreamHandler(echoProto, echoHandler)
	ep := &echoPair{a: a, b: b}
	if err := a.Connect(ctx, peer.AddrInfo{ID: b.ID(), Addrs: b.Addrs()}); err != nil {
		ep.Close()
		return nil, fmt.Errorf("connect: %w", err)
	}
	if ep.s, err = a.NewStream(ctx, b.ID(), echoProto); err != nil {
		ep.Close()
		return nil, fmt.Errorf("open stream: %w", err)
	}
	return ep, nil
}

func (ep *echoPair) Close() {
	if ep.s != nil {
		ep.s.Reset()
	}
	ep.a.Close()
	ep.b.Close()
}

// echoHandler echoes 4-byte length-prefixed frames until the stream ends.
func echoHandler(s network.Stream) {
	defer s.Close()
	var hdr [4]byte
	buf := make([]byte, 0, 64)
	for {
		if _, err := io.ReadFull(s, hdr[:]); err != nil {
			return
		}
		n := binary.BigEndian.Uint32(hdr[:])
		if n > 1<<20 {
			s.Reset()
			return
		}
		buf = append(buf[:0], make([]byte, n)...)
		if _, err := io.ReadFull(s, buf); err != nil {
			return
		}
		if _, err := s.Write(append(hdr[:], buf...)); err != nil {
			return
		}
	}
}

// roundTrip sends one framed payload and reads the echo.
func (ep *echoPair) roundTrip(frame, reply []byte) error {
	if err := ep.s.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return fmt.Errorf("deadline: %w", err)
	}
	if _, err := ep.s.Write(frame); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	if _, err := io.ReadFull(ep.s, reply); err != nil {
		return fmt.Errorf("read: %w", err)
	}
	if reply[4] != frame[4] {
		return errors.New("echo mismatch")
	}
	return nil
}

// bareRoundTrip measures a 64-byte echo over a persistent libp2p stream
// between two in-process hosts on loopback.
func bareRoundTrip(ctx context.Context, p plan) (latencies, error) {
	ep, err := newEchoPair(ctx)
	if err != nil {
		return nil, err
	}
	defer ep.Close()
	frame := make([]byte, 4+64)
	binary.BigEndian.PutUint32(frame, 64)
	reply := make([]byte, len(frame))
	return measureLatency(p, func() error {
		frame[4]++
		return ep.roundTrip(frame, reply)
	})
}
