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
// reports MB/s (10^6 bytes per second); the reader acks every chunk count
// at the end of a round so the bytes are really received.
func transferRate(p plan, w io.Writer, ack io.Reader, chunks chan<- int) (rates, error) {
	buf := randomBytes(largeSize)
	var one [1]byte
	r, err := measureRate(p, func(maxOps int, deadline time.Time) (int, error) {
		n := 0
		for n < maxOps && (n == 0 || time.Now().Before(deadline)) {
			n++
		}
		chunks <- n
		for range n {
			if _, err := w.Write(buf); err != nil {
				return 0, fmt.Errorf("write: %w", err)
			}
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

// sink reads the announced number of chunks per round, then acks one byte.
func sink(rw io.ReadWriter, chunks <-chan int) {
	buf := make([]byte, largeSize)
	for n := range chunks {
		for range n {
			if _, err := io.ReadFull(rw, buf); err != nil {
				return
			}
		}
		if _, err := rw.Write([]byte{1}); err != nil {
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
	chunks := make(chan int, 1)
	defer close(chunks)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		sink(c, chunks)
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Minute))
	return transferRate(p, c, c, chunks)
}

// bareLibp2pStream measures one-way throughput of one libp2p stream
// (TCP + Noise + yamux) between two in-process hosts, in MB/s.
func bareLibp2pStream(ctx context.Context, p plan) (rates, error) {
	ep, err := newEchoPair(ctx)
	if err != nil {
		return nil, err
	}
	defer ep.Close()
	chunks := make(chan int, 1)
	defer close(chunks)
	ep.b.SetStreamHandler(sinkProto, func(s network.Stream) {
		defer s.Close()
		sink(s, chunks)
	})
	s, err := ep.a.NewStream(ctx, ep.b.ID(), sinkProto)
	if err != nil {
		return nil, fmt.Errorf("open stream: %w", err)
	}
	defer s.Reset()
	s.SetDeadline(time.Now().Add(time.Minute))
	return transferRate(p, s, s, chunks)
}
