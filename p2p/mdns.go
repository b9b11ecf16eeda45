package p2p

import (
	"errors"
	"fmt"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/discovery/mdns"
)

// startMDNS announces h on the LAN under [MDNSService] and reports every
// parley host it finds to found. The returned host closes the mDNS service
// before itself.
func startMDNS(h host.Host, found func(peer.AddrInfo)) (host.Host, error) {
	svc := mdns.NewMdnsService(h, MDNSService, notifee(found))
	if err := svc.Start(); err != nil {
		_ = h.Close()
		return nil, fmt.Errorf("start mdns: %w", err)
	}
	return &mdnsHost{Host: h, mdns: svc}, nil
}

type notifee func(peer.AddrInfo)

func (n notifee) HandlePeerFound(ai peer.AddrInfo) { n(ai) }

// mdnsHost is a host with LAN discovery; Close stops discovery first.
type mdnsHost struct {
	host.Host
	mdns mdns.Service
}

func (m *mdnsHost) Close() error {
	return errors.Join(m.mdns.Close(), m.Host.Close())
}
