package p2p

import (
	"github.com/libp2p/go-libp2p/core/control"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// InboundGater is a connection gater (for Config.Gater) that admits an
// inbound connection only if the function returns true for the remote peer,
// once the security handshake has authenticated it. Outbound dials are not
// filtered. The app uses it to refuse strangers (while still admitting its
// home nodes, friends, and whoever it is expecting a friend request from);
// the function must be safe for concurrent use and fast.
type InboundGater func(peer.ID) bool

// InterceptPeerDial implements connmgr.ConnectionGater.
func (InboundGater) InterceptPeerDial(peer.ID) bool { return true }

// InterceptAddrDial implements connmgr.ConnectionGater.
func (InboundGater) InterceptAddrDial(peer.ID, ma.Multiaddr) bool { return true }

// InterceptAccept implements connmgr.ConnectionGater.
func (InboundGater) InterceptAccept(network.ConnMultiaddrs) bool { return true }

// InterceptSecured implements connmgr.ConnectionGater: the filter applies
// here, where the remote peer ID is known.
func (g InboundGater) InterceptSecured(dir network.Direction, p peer.ID, _ network.ConnMultiaddrs) bool {
	return dir == network.DirOutbound || g(p)
}

// InterceptUpgraded implements connmgr.ConnectionGater.
func (InboundGater) InterceptUpgraded(network.Conn) (bool, control.DisconnectReason) {
	return true, 0
}
