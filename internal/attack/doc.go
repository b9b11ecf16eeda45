// Package attack speaks parley's wire protocols as a malicious peer, for the
// adversarial tests of issue 6 (security_*_test.go at the module root).
//
// Everything here talks to 127.0.0.1 only and is bounded by a context or a
// deadline. Nothing here is used by the parley binary.
//
//   - [NewHost] makes a fresh libp2p identity: a new peer ID per call, so
//     floods can come from as many peer IDs as the test wants.
//   - [Raw] writes arbitrary bytes on a fresh stream (length-lying,
//     truncated, garbage frames) and reports whether the peer reset it;
//     [SlowLoris] dribbles a frame one byte at a time until it is cut.
//   - [PutFlood] deposits envelopes into one inbox from many fresh peer IDs.
//   - [EvilNode] is a rendezvous node (the real mailbox and registry) whose
//     directory answers RESOLVE with whatever card its operator chooses.
package attack
