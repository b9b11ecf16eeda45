package p2p

import "github.com/libp2p/go-libp2p/core/protocol"

// Protocol IDs of parley. Any change to a wire format bumps the version.
const (
	// ProtoMsg carries sealed envelopes directly between two friends.
	ProtoMsg protocol.ID = "/parley/msg/1"
	// ProtoRegistry is REGISTER/LOOKUP on a rendezvous node (presence).
	ProtoRegistry protocol.ID = "/parley/registry/1"
	// ProtoDirectory is CLAIM/RESOLVE of @usernames on a rendezvous node.
	ProtoDirectory protocol.ID = "/parley/directory/1"
	// ProtoMailbox is PUT/FETCH/ACK of sealed envelopes on a rendezvous
	// node. Version 2 added the FETCH cursor (Fetch.after).
	ProtoMailbox protocol.ID = "/parley/mailbox/2"
	// ProtoMailboxV1 is the mailbox protocol before the FETCH cursor. Nodes
	// still serve it (for clients from before); clients fall back to it on
	// nodes from before, without a cursor.
	ProtoMailboxV1 protocol.ID = "/parley/mailbox/1"
)

// MDNSService is the mDNS service name under which parley hosts find each
// other on a LAN.
const MDNSService = "_parley._udp"
