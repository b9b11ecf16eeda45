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
//
// # Versions
//
// A wire change bumps the protocol's version (p2p/protocols.go). The
// mailbox is at version 2, /parley/mailbox/2, which added the FETCH cursor
// (Fetch.after, [Client.FetchAfter]): a client that leaves items on the
// node (friend requests over its rate limit) pages past them instead of
// FETCHing the same oldest page again. A node serves version 1 too, with
// the same handler, for clients from before. [Client] asks for version 2
// first and falls back to 1; on a version 1 node it never sends a cursor
// (such a node would ignore the unknown field and answer from the oldest
// item again) and FetchAfter returns [ErrNoCursor].
package rendezvous
