package e2e

import (
	"crypto/hmac"
	"crypto/sha256"
	"io"

	"golang.org/x/crypto/chacha20poly1305"
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

// messageKeys expands a message key into the key and nonce of one message:
// HKDF-SHA256(ikm = mk, salt = none, info = label || ad || header) → key (32)
// || nonce (24; ChaCha20-Poly1305 takes its first 12). Binding the header
// and both identities here makes an altered header, or an envelope moved to
// another conversation, fail authentication; the label keeps the keys of
// the two ciphers apart.
func messageKeys(label string, mk *[32]byte, ad *[64]byte, header []byte) (key [32]byte, nonce [24]byte) {
	info := make([]byte, 0, len(label)+len(ad)+len(header))
	info = append(append(append(info, label...), ad[:]...), header...)
	r := hkdf.New(sha256.New, mk[:], nil, info)
	var out [56]byte
	_, _ = io.ReadFull(r, out[:])
	copy(key[:], out[:32])
	copy(nonce[:], out[32:])
	clear(out[:])
	return key, nonce
}

// messageOverhead is what sealing adds to the padded plaintext: the
// Poly1305 tag, of both ciphers.
const messageOverhead = chacha20poly1305.Overhead

// sealMessage encrypts padded under the message key, appending to dst: a
// version 3 ciphertext, ChaCha20-Poly1305 (RFC 8439) under the key and nonce
// of messageKeys(labelMessageV3, ...).
func sealMessage(dst []byte, mk *[32]byte, ad *[64]byte, header, padded []byte) []byte {
	key, nonce := messageKeys(labelMessageV3, mk, ad, header)
	aead, err := chacha20poly1305.New(key[:])
	clear(key[:])
	if err != nil {
		panic("e2e: " + err.Error()) // the key is always 32 bytes
	}
	return aead.Seal(dst, nonce[:chacha20poly1305.NonceSize], padded, nil)
}

// openMessage decrypts box under the message key with the cipher of the
// envelope's version: ChaCha20-Poly1305 from version 3, NaCl secretbox
// (XSalsa20-Poly1305, labelMessage) before.
func openMessage(version uint8, mk *[32]byte, ad *[64]byte, header, box []byte) ([]byte, bool) {
	if version < messageVersionV3 {
		key, nonce := messageKeys(labelMessage, mk, ad, header)
		out, ok := secretbox.Open(nil, box, &nonce, &key)
		clear(key[:])
		return out, ok
	}
	key, nonce := messageKeys(labelMessageV3, mk, ad, header)
	aead, err := chacha20poly1305.New(key[:])
	clear(key[:])
	if err != nil {
		return nil, false
	}
	out, err := aead.Open(nil, nonce[:chacha20poly1305.NonceSize], box, nil)
	return out, err == nil
}
