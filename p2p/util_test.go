package p2p

import (
	"crypto/ed25519"
	"runtime"
	"testing"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/protocol"
)

func totalAlloc() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.TotalAlloc
}

func mustPub(t testing.TB, k ed25519.PrivateKey) crypto.PubKey {
	t.Helper()
	pub, err := crypto.UnmarshalEd25519PublicKey(k.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

func protocolID(s string) protocol.ID { return protocol.ID(s) }
