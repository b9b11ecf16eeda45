package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"

	"golang.org/x/crypto/nacl/secretbox"

	"github.com/parley-chat/parley/app/e2e"
)

// msgSize is the plaintext size of scenario 1 and its baseline.
const msgSize = 1024

// bareCrypto measures the floor of per-message crypto: secretbox seal, then
// Ed25519 sign of the sealed bytes, verify (with the verifier parley uses),
// and secretbox open, 1 KiB.
func bareCrypto(p plan) (latencies, error) {
	op, err := newBareCrypto()
	if err != nil {
		return nil, err
	}
	return measureLatency(p, op)
}

// newBareCrypto returns one operation of bareCrypto, with its own keys.
func newBareCrypto() (func() error, error) {
	var key [32]byte
	var nonce [24]byte
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("ed25519 key: %w", err)
	}
	if _, err := rand.Read(key[:]); err != nil {
		return nil, fmt.Errorf("random key: %w", err)
	}
	msg := make([]byte, msgSize)
	sealed := make([]byte, 0, msgSize+secretbox.Overhead)
	opened := make([]byte, 0, msgSize)
	return func() error {
		nonce[0]++ // a fresh nonce per message, as a real sealer needs
		sealed = secretbox.Seal(sealed[:0], msg, &nonce, &key)
		sig := ed25519.Sign(priv, sealed)
		if !e2e.VerifyEd25519(pub, sealed, sig) {
			return errors.New("verify failed")
		}
		var ok bool
		opened, ok = secretbox.Open(opened[:0], sealed, &nonce, &key)
		if !ok {
			return errors.New("open failed")
		}
		return nil
	}, nil
}
