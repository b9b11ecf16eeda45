// Package e2e is parley's end-to-end crypto core: identities, contact cards
// and invites, safety numbers, the friend-request handshake, the double
// ratchet and envelopes. It does no I/O, starts no goroutines and logs
// nothing. (Full format description: see below, filled in as the package
// grows.)
package e2e

// Domain-separation labels: signature prefixes and HKDF info strings.
const (
	labelCard           = "parley/v1/card\x00"
	labelRequest        = "parley/v1/request\x00"
	labelAccept         = "parley/v1/accept\x00"
	labelEnvelope       = "parley/v1/envelope\x00"
	labelInviteChecksum = "parley/v1/invite-checksum"
	labelSafety         = "parley/v1/safety-number"
	labelHandshake      = "parley/v1/handshake"
	labelRoot           = "parley/v1/root"
	labelMessage        = "parley/v1/message"
)
