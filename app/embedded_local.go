package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	ma "github.com/multiformats/go-multiaddr"
)

// A friend deposits into the mailbox of our embedded node when a direct
// delivery did not go through (our vault was busy, say), under our own
// peer ID. libp2p never dials itself, so the client reads that inbox over
// in-memory streams: loopHost is the host as the embedded node sees it.
// It records the node's stream handlers (still serving them on the real
// host), and a stream it opens to its own peer ID is a pipe served by the
// recorded handler, authenticated as ourselves because it never left the
// process.

// loopHost wraps the client's host for its embedded node.
type loopHost struct {
	host.Host
	mu       sync.Mutex // guards handlers
	handlers map[protocol.ID]network.StreamHandler
}

func newLoopHost(h host.Host) *loopHost {
	return &loopHost{Host: h, handlers: make(map[protocol.ID]network.StreamHandler)}
}

// SetStreamHandler serves fn on the real host and remembers it for
// streams to ourselves.
func (h *loopHost) SetStreamHandler(id protocol.ID, fn network.StreamHandler) {
	h.mu.Lock()
	h.handlers[id] = fn
	h.mu.Unlock()
	h.Host.SetStreamHandler(id, fn)
}

// NewStream opens an in-memory stream when p is ourselves.
func (h *loopHost) NewStream(ctx context.Context, p peer.ID, pids ...protocol.ID) (network.Stream, error) {
	if p != h.ID() {
		return h.Host.NewStream(ctx, p, pids...)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, id := range pids {
		if fn := h.handlers[id]; fn != nil {
			a, b := net.Pipe()
			conn := pipeConn{self: p}
			go fn(&pipeStream{pipe: a, conn: conn, proto: id})
			return &pipeStream{pipe: b, conn: conn, proto: id}, nil
		}
	}
	return nil, fmt.Errorf("no local handler for %v", pids)
}

// pipeStream is one end of an in-memory stream. Only the methods below
// are defined; the embedded interface is nil.
type pipeStream struct {
	network.Stream
	pipe  net.Conn
	conn  pipeConn
	proto protocol.ID
}

func (s *pipeStream) Read(b []byte) (int, error)  { return s.pipe.Read(b) }
func (s *pipeStream) Write(b []byte) (int, error) { return s.pipe.Write(b) }
func (s *pipeStream) Close() error                { return s.pipe.Close() }
func (s *pipeStream) Reset() error                { return s.pipe.Close() }
func (s *pipeStream) ResetWithError(network.StreamErrorCode) error {
	return s.pipe.Close()
}
func (s *pipeStream) CloseRead() error                   { return nil }
func (s *pipeStream) CloseWrite() error                  { return errors.ErrUnsupported }
func (s *pipeStream) SetDeadline(t time.Time) error      { return s.pipe.SetDeadline(t) }
func (s *pipeStream) SetReadDeadline(t time.Time) error  { return s.pipe.SetReadDeadline(t) }
func (s *pipeStream) SetWriteDeadline(t time.Time) error { return s.pipe.SetWriteDeadline(t) }
func (s *pipeStream) Conn() network.Conn                 { return s.conn }
func (s *pipeStream) Protocol() protocol.ID              { return s.proto }
func (s *pipeStream) ID() string                         { return "local" }

// pipeConn is the connection of a pipeStream: from ourselves to ourselves.
type pipeConn struct {
	network.Conn
	self peer.ID
}

var loopbackAddr = ma.StringCast("/ip4/127.0.0.1/tcp/0")

func (c pipeConn) RemotePeer() peer.ID           { return c.self }
func (c pipeConn) LocalPeer() peer.ID            { return c.self }
func (c pipeConn) RemoteMultiaddr() ma.Multiaddr { return loopbackAddr }
func (c pipeConn) LocalMultiaddr() ma.Multiaddr  { return loopbackAddr }
func (c pipeConn) IsClosed() bool                { return false }
