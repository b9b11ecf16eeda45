package e2e

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"testing"

	"golang.org/x/crypto/chacha20poly1305"
)

// TestMessageCipherV3 rebuilds a version 3 message ciphertext from the
// primitives (the standard library's HKDF, x/crypto's ChaCha20-Poly1305):
// key || nonce = HKDF-SHA256(mk, info = labelMessageV3 || ad || header), the
// nonce's first 12 bytes, no associated data. It also checks that the
// ciphertext opens only as version 3, and not once a byte is flipped.
func TestMessageCipherV3(t *testing.T) {
	var mk [32]byte
	var ad [64]byte
	for i := range mk {
		mk[i] = byte(0x80 + i)
	}
	for i := range ad {
		ad[i] = byte(0xc0 + i)
	}
	h := appendHeader(nil, &header{dh: [32]byte{9}, pn: 3, n: 7})
	padded := pad(nil, []byte("chacha, not salsa"))
	ct := sealMessage(nil, &mk, &ad, h, padded)

	info := append(append([]byte(labelMessageV3), ad[:]...), h...)
	okm, err := hkdf.Key(sha256.New, mk[:], nil, string(info), 56)
	if err != nil {
		t.Fatal(err)
	}
	aead, err := chacha20poly1305.New(okm[:32])
	if err != nil {
		t.Fatal(err)
	}
	if want := aead.Seal(nil, okm[32:44], padded, nil); !bytes.Equal(ct, want) {
		t.Fatal("sealMessage is not ChaCha20-Poly1305 under HKDF(labelMessageV3 || ad || header)")
	}
	if got, ok := openMessage(messageVersionV3, &mk, &ad, h, ct); !ok || !bytes.Equal(got, padded) {
		t.Fatalf("openMessage(v3) = %q, %v", got, ok)
	}
	if _, ok := openMessage(messageVersionV2, &mk, &ad, h, ct); ok {
		t.Error("a version 3 ciphertext opened as version 2 (secretbox)")
	}
	for i := range ct {
		bad := bytes.Clone(ct)
		bad[i] ^= 0x01
		if _, ok := openMessage(messageVersionV3, &mk, &ad, h, bad); ok {
			t.Fatalf("opened with byte %d flipped", i)
		}
	}
	other := bytes.Clone(h)
	other[len(other)-1] ^= 0x01
	if _, ok := openMessage(messageVersionV3, &mk, &ad, other, ct); ok {
		t.Error("opened under another header")
	}
}
