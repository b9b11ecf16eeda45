package p2p

import (
	"errors"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
)

// ErrNoMDNS is returned by [NewHost] when Config.OnPeerFound asks for mDNS:
// go-libp2p's mdns package needs github.com/libp2p/zeroconf/v2, which is not
// in go.mod yet (requested in docs/REQUESTS.md).
var ErrNoMDNS = errors.New("p2p: mDNS is not built into this binary")

// startMDNS starts LAN discovery for h. TODO: wire
// github.com/libp2p/go-libp2p/p2p/discovery/mdns once zeroconf is in go.mod:
// mdns.NewMdnsService(h, MDNSService, notifee).Start(), and close the service
// before the host.
func startMDNS(h host.Host, _ func(peer.AddrInfo)) (host.Host, error) {
	_ = h.Close()
	return nil, ErrNoMDNS
}
