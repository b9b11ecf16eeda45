package e2e

import (
	"crypto/hmac"
	"crypto/sha256"
	"io"

	"golang.org/x/crypto/hkdf"
	"golang.org/x/crypto/nacl/secretbox"
)

// kdfRK is Signal's KDF_RK: HKDF-SHA256 with the root key as salt and the DH
// output as input key material; it returns the next root key and a chain key.
func kdfRK(rk *[32]byte, dhOut []byte) (root, chain [32]byte) {
	r := hkdf.New(sha256.New, dhOut, rk[:], []byte(labelRoot))
	var out [64]byte
	_, _ = io.ReadFull(r, out[:]) // 64 bytes never exceed HKDF's limit
	copy(root[:], out[:32])
	copy(chain[:], out[32:])
	clear(out[:])
	return root, chain
}

// kdfCK is Signal's KDF_CK: HMAC-SHA256 keyed with the chain key over the
// constant 0x01 gives the message key, over 0x02 the next chain key.
func kdfCK(ck *[32]byte) (mk, next [32]byte) {
	h := hmac.New(sha256.New, ck[:])
	h.Write([]byte{0x01})
	h.Sum(mk[:0])
	h.Reset()
	h.Write([]byte{0x02})
	h.Sum(next[:0])
	return mk, next
}

// messageKeys expands a message key into the secretbox key and nonce of one
// message: HKDF-SHA256(ikm = mk, salt = none, info = label || ad || header).
// Binding the header and both identities here makes an altered header, or an
// envelope moved to another conversation, fail authentication.
func messageKeys(mk *[32]byte, ad *[64]byte, header []byte) (key [32]byte, nonce [24]byte) {
	info := make([]byte, 0, len(labelMessage)+len(ad)+len(header))
	info = append(append(append(info, labelMessage...), ad[:]...), header...)
	r := hkdf.New(sha256.New, mk[:], nil, info)
	var out [56]byte
	_, _ = io.ReadFull(r, out[:])
	copy(key[:], out[:32])
	copy(nonce[:], out[32:])
	clear(out[:])
	return key, nonce
}

// sealMessage encrypts padded under the message key, appending to dst.
func sealMessage(dst []byte, mk *[32]byte, ad *[64]byte, header, padded []byte) []byte {
	key, nonce := messageKeys(mk, ad, header)
	out := secretbox.Seal(dst, padded, &nonce, &key)
	clear(key[:])
	return out
}

// openMessage decrypts box under the message key.
func openMessage(mk *[32]byte, ad *[64]byte, header, box []byte) ([]byte, bool) {
	key, nonce := messageKeys(mk, ad, header)
	out, ok := secretbox.Open(nil, box, &nonce, &key)
	clear(key[:])
	return out, ok
}
