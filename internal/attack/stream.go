package attack

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/parley-chat/parley/p2p"
)

// NewHost returns a dial-only libp2p host with a fresh Ed25519 identity (a
// new peer ID). The caller closes it.
func NewHost(ctx context.Context) (host.Host, error) { return NewHostFrom(ctx, "") }

// NewHostFrom is [NewHost] for a host that listens on ip (TCP, any port):
// with TCP port reuse its dials then come from ip, so a test can put
// attackers on 127.0.0.2 and honest clients on 127.0.0.1 (both loopback) and
// see per-IP limits at work. An empty ip makes a dial-only host.
func NewHostFrom(ctx context.Context, ip string) (host.Host, error) {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("attack host key: %w", err)
	}
	listen := []string{}
	if ip != "" {
		listen = []string{"/ip4/" + ip + "/tcp/0"}
	}
	h, err := p2p.NewHost(ctx, p2p.Config{Identity: k, ListenAddrs: listen})
	if err != nil {
		return nil, fmt.Errorf("attack host: %w", err)
	}
	return h, nil
}

// LyingLength is a frame header claiming n body bytes, with no body.
func LyingLength(n uint64) []byte { return binary.AppendUvarint(nil, n) }

// Frame is a well-formed frame carrying body.
func Frame(body []byte) []byte { return append(binary.AppendUvarint(nil, uint64(len(body))), body...) }

// Outcome is what the target did with a hostile stream.
type Outcome struct {
	// Reset is true if the target reset (or refused) the stream rather
	// than answering it.
	Reset bool
	// Lived is how long the stream stayed open after the first write.
	Lived time.Duration
	// Reply is what the target wrote back, if anything.
	Reply []byte
}

// Raw opens a stream for proto to target, writes raw, closes its write side
// if closeWrite, and reads until the target closes or resets the stream or
// ctx ends.
func Raw(ctx context.Context, h host.Host, target peer.AddrInfo, proto protocol.ID, raw []byte, closeWrite bool) (Outcome, error) {
	h.Peerstore().AddAddrs(target.ID, target.Addrs, time.Hour)
	s, err := h.NewStream(ctx, target.ID, proto)
	if err != nil {
		return Outcome{Reset: true}, nil // refused at negotiation
	}
	defer s.Reset()
	if d, ok := ctx.Deadline(); ok {
		_ = s.SetDeadline(d)
	}
	start := time.Now()
	if _, err := s.Write(raw); err != nil {
		return Outcome{Reset: true, Lived: time.Since(start)}, nil
	}
	if closeWrite {
		_ = s.CloseWrite()
	}
	reply, err := io.ReadAll(s)
	out := Outcome{Reset: err != nil, Lived: time.Since(start), Reply: reply}
	if err != nil && ctx.Err() != nil {
		return out, fmt.Errorf("raw %s: target neither answered nor reset: %w", proto, ctx.Err())
	}
	return out, nil
}

// SlowLoris opens a stream for proto and sends a frame announcing 1 KiB,
// then one byte every interval, until the target cuts the stream or ctx
// ends. It returns how long the stream lived; an error means the target
// never cut it.
func SlowLoris(ctx context.Context, h host.Host, target peer.AddrInfo, proto protocol.ID, interval time.Duration) (time.Duration, error) {
	h.Peerstore().AddAddrs(target.ID, target.Addrs, time.Hour)
	s, err := h.NewStream(ctx, target.ID, proto)
	if err != nil {
		return 0, nil
	}
	defer s.Reset()
	start := time.Now()
	if _, err := s.Write(LyingLength(1024)); err != nil {
		return time.Since(start), nil
	}
	cut := make(chan struct{})
	go func() { // the target's reset shows up as a failed read
		_, _ = s.Read(make([]byte, 1))
		close(cut)
	}()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-cut:
			return time.Since(start), nil
		case <-ctx.Done():
			return time.Since(start), errors.New("slow loris: the stream was never cut")
		case <-t.C:
			if _, err := s.Write([]byte{0}); err != nil {
				return time.Since(start), nil
			}
		}
	}
}
