// Package rendezvous holds the wire messages of a parley node's protocols
// (registry/presence, username directory, mailbox) and the [Client] the app
// uses to talk to its home node. The node itself lives in
// rendezvous/server.
//
// Every exchange is one protobuf request frame and one response frame
// (p2p.ReadMsg/WriteMsg); the response carries a [Status] that [Client]
// maps to the sentinel errors of this package. Refusals the node expects
// (quota, rate limit, wrong owner) are answered with a status; malformed
// input resets the stream.
package rendezvous
