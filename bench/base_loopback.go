package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/protocol"
)

// largeSize is the large-message size of scenario 8 and its baselines.
const largeSize = 256 << 10

const sinkProto = protocol.ID("/parley-bench/sink/1")

// transferRate measures one-way transfer of largeSize chunks over w and
// reports MB/s (10^6 bytes per second). Each chunk is preceded by a 1 byte;
// a 0 byte ends the round and the reader acks it, so the bytes of a round
// are really received before its clock stops.
func transferRate(p plan, w io.Writer, ack io.Reader) (rates, error) {
	buf := append([]byte{1}, randomBytes(largeSize)...)
	var one [1]byte
	r, err := measureRate(p, func(maxOps int, deadline time.Time) (int, error) {
		n := 0
		for ; n < maxOps && (n == 0 || time.Now().Before(deadline)); n++ {
			if _, err := w.Write(buf); err != nil {
				return 0, fmt.Errorf("write: %w", err)
			}
		}
		if _, err := w.Write([]byte{0}); err != nil {
			return 0, fmt.Errorf("write end: %w", err)
		}
		if _, err := io.ReadFull(ack, one[:]); err != nil {
			return 0, fmt.Errorf("read ack: %w", err)
		}
		return n, nil
	})
	for i := range r {
		r[i] = r[i] * largeSize / 1e6
	}
	return r, err
}

// sink reads flagged chunks and acks the end of every round with one byte.
func sink(rw io.ReadWriter) {
	buf := make([]byte, largeSize)
	var flag [1]byte
	for {
		if _, err := io.ReadFull(rw, flag[:]); err != nil {
			return
		}
		if flag[0] == 0 {
			if _, err := rw.Write([]byte{1}); err != nil {
				return
			}
			continue
		}
		if _, err := io.ReadFull(rw, buf); err != nil {
			return
		}
	}
}

// bareLoopback measures raw TCP throughput on 127.0.0.1 in MB/s.
func bareLoopback(p plan) (rates, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		sink(c)
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Minute))
	return transferRate(p, c, c)
}

// bareLibp2pStream measures one-way throughput of one libp2p stream
// (TCP + Noise + yamux) between two in-process hosts, in MB/s.
func bareLibp2pStream(ctx context.Context, p plan) (rates, error) {
	ep, err := newEchoPair(ctx)
	if err != nil {
		return nil, err
	}
	defer ep.Close()
	ep.b.SetStreamHandler(sinkProto, func(s network.Stream) {
		defer s.Close()
		sink(s)
	})
	s, err := ep.a.NewStream(ctx, ep.b.ID(), sinkProto)
	if err != nil {
		return nil, fmt.Errorf("open stream: %w", err)
	}
	defer s.Reset()
	s.SetDeadline(time.Now().Add(2 * time.Minute))
	return transferRate(p, s, s)
}
