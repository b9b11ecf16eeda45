package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"sync"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/muxer/yamux"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"

	"github.com/parley-chat/parley/p2p"
)

// dialHost is a light dial-only client host (TCP + Noise + yamux): what the
// load generator and the mailbox senders use to stand in for many users.
func dialHost() (host.Host, error) {
	h, err := libp2p.New(
		libp2p.NoListenAddrs,
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.Security(noise.ID, noise.New),
		libp2p.Muxer(yamux.ID, yamux.DefaultTransport),
		libp2p.DisableRelay(),
		libp2p.DisableMetrics(),
		libp2p.ResourceManager(&network.NullResourceManager{}),
	)
	if err != nil {
		return nil, fmt.Errorf("client host: %w", err)
	}
	return h, nil
}

// dialHosts makes n dial-only hosts; close them with closeHosts.
func dialHosts(n int) ([]host.Host, error) {
	hs := make([]host.Host, 0, n)
	for range n {
		h, err := dialHost()
		if err != nil {
			closeHosts(hs)
			return nil, err
		}
		hs = append(hs, h)
	}
	return hs, nil
}

func closeHosts(hs []host.Host) {
	var wg sync.WaitGroup
	for _, h := range hs {
		wg.Go(func() { h.Close() })
	}
	wg.Wait()
}

// nodeHost is a real node host from p2p.NewHost (node profile) listening
// on 127.0.0.1 TCP only.
func nodeHost(ctx context.Context) (host.Host, error) {
	_, sk, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	h, err := p2p.NewHost(ctx, p2p.Config{
		Identity:    sk,
		ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"},
		Profile:     p2p.ProfileNode,
	})
	if err != nil {
		return nil, fmt.Errorf("node host: %w", err)
	}
	return h, nil
}

func addrInfo(h host.Host) peer.AddrInfo { return peer.AddrInfo{ID: h.ID(), Addrs: h.Addrs()} }
