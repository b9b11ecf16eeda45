package main

import (
	"crypto/ed25519"

	voi "github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
)

// verifyEd25519 is the Ed25519 check parley itself makes (app/e2e/sign.go:
// curve25519-voi with crypto/ed25519's rules), so that the bare baselines and
// the floors measure the primitive parley composes, not a slower one.
func verifyEd25519(pub ed25519.PublicKey, msg, sig []byte) bool {
	return len(pub) == ed25519.PublicKeySize &&
		voi.VerifyWithOptions(voi.PublicKey(pub), msg, sig, &voi.Options{Verify: voi.VerifyOptionsStdLib})
}
