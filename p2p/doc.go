// Package p2p builds parley's libp2p host and carries its wire plumbing:
// protocol IDs, length-prefixed framing with a maximum frame size checked
// before any allocation, and one stream adapter ([Serve]) that every protocol
// handler goes through.
//
// # Hosts
//
// [NewHost] is the only constructor: TCP and QUIC, Noise and TLS, an
// identity from a raw Ed25519 key, explicit resource-manager limits
// ([ProfileClient] or [ProfileNode]), a connection manager, an optional
// connection gater, the circuit relay v2 client with hole punching, and
// optionally the relay service and mDNS.
//
// # Framing
//
// A frame is a uvarint length followed by that many bytes. [ReadFrame]
// rejects a length above its maximum before allocating, so a peer that claims
// 4 GiB costs nothing. [ReadMsg] and [WriteMsg] do the same for protobuf
// messages.
//
// # Streams
//
// A stream carries one or many request/response frame pairs: [Serve] loops
// until the peer closes its side or stays idle past [Limits.Idle]. Callers use
// [Call] for a one-shot exchange or [Stream] to keep a stream open, which
// saves the ~380 µs that opening a stream costs on loopback.
//
// The p2p layer carries sealed envelopes only; it never sees plaintext.
package p2p
