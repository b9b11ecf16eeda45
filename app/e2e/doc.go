// Package e2e is parley's end-to-end crypto core: identities, contact cards
// and invites, safety numbers, the friend-request handshake, the double
// ratchet and signed envelopes.
//
// It does no I/O, starts no goroutines, logs nothing and imports neither
// libp2p nor Badger. Every primitive comes from the standard library or
// golang.org/x/crypto, except Ed25519 verification: Ed25519 signing
// (crypto/ed25519), Ed25519 verification (curve25519-voi with exactly
// crypto/ed25519's rules, for speed; see VerifyEd25519), X25519 (curve25519.X25519,
// which refuses low-order and all-zero points), ChaCha20-Poly1305
// (chacha20poly1305) for messages, NaCl secretbox for opening messages of
// older builds, anonymous sealed boxes (nacl/box), HKDF-SHA256, HMAC-SHA256,
// SHA-512 and BLAKE2b. Randomness comes from an io.Reader the caller passes
// (crypto/rand.Reader in production, a deterministic reader in tests).
//
// # Flow
//
//	alice: inv := card.Invite()                       (shown as text / QR)
//	bob:   c, _ := ParseInvite(inv)
//	bob:   sealed, pending, _ := NewRequest(rand, bobID, bobCard, c, "hi", now)
//	alice: req, _ := OpenRequest(aliceID, sealed)     (user accepts)
//	alice: sealedAcc, sa, _ := Accept(rand, aliceID, aliceCard, req, now)
//	bob:   card, sb, _ := OpenAccept(bobID, pending, sealedAcc)
//	either: env, _ := s.Seal(rand, plaintext); other: pt, _ := s.Open(env)
//
// # Formats
//
// Protobuf messages are defined in wire.proto (generated into
// internal/wirepb). All integers in the non-protobuf layouts below are big
// endian. The labels named below are:
//
//	labelCard           "parley/v1/card\x00"        signature prefix of a card body
//	labelRequest        "parley/v1/request\x00"     signature prefix of a RequestBody
//	labelAccept         "parley/v1/accept\x00"      signature prefix of an AcceptBody
//	labelEnvelope       "parley/v1/envelope\x00"    signature prefix of a version 1 envelope
//	labelEnvelopeDigest "parley/v2/envelope-digest\x00" SHA-256 prefix of a version 2 envelope's digest
//	labelEnvelopeSigned "parley/v2/envelope\x00"    signature prefix of a version 2 envelope's digest
//	labelInviteChecksum "parley/v1/invite-checksum" BLAKE2b prefix of the invite checksum
//	labelSafety         "parley/v1/safety-number"   suffix of the safety-number hash input
//	labelHandshake      "parley/v1/handshake"       HKDF info of the handshake secret
//	labelRoot           "parley/v1/root"            HKDF info of KDF_RK
//	labelMessage        "parley/v1/message"         HKDF info of message keys, versions 1 and 2 (secretbox)
//	labelMessageV3      "parley/v3/message"         HKDF info of message keys, version 3 (ChaCha20-Poly1305)
//
// Identity (vault, secret): IdentityState{version=1, ed25519_seed[32],
// x25519_private[32]}.
//
// Card: CardBody{ed25519[32], x25519[32], name (≤ MaxNameLen bytes UTF-8),
// nodes (≤ MaxNodes × ≤ MaxNodeLen bytes), created_at_ms}. The signed form
// SignedCard{body, signature[64]} carries
// signature = Ed25519(labelCard || body) by the card's own key; the body is
// kept exactly as signed and never re-encoded.
//
// Invite: "parley:" followed by lower-case RFC 4648 base32 without padding of
//
//	version (1 byte, = 1) || body length (2 bytes) || CardBody || signature (64)
//	  || checksum (4 bytes) = BLAKE2b-256(labelInviteChecksum || all preceding bytes)[:4]
//
// Every version keeps the trailing checksum, so a newer invite is told from a
// damaged one. The parser ignores whitespace (line breaks from copy-paste)
// and letter case, rejects a non-canonical last character, and reports
// ErrInviteTruncated, ErrInviteChecksum, ErrInviteVersion, ErrBadSignature or
// ErrInviteMalformed.
//
// Envelope (everything on the wire between clients): Envelope{version,
// kind, sender[32], header, ciphertext, signature[64]} in canonical protobuf
// encoding: fields in number order, each at most once, no unknown fields,
// zero values omitted. For KindMessage:
//
//	header     = Header{dh[32], pn, n, salt[16]}
//	ciphertext = ChaCha20-Poly1305(pad(plaintext)) under the message key (below), no associated data
//	digest     = SHA-256(labelEnvelopeDigest || every envelope byte before the signature field)
//	signature  = Ed25519(labelEnvelopeSigned || digest)
//
// by the sender's identity key. The receiver checks the sender against the
// key pinned in its Session and verifies the signature before it touches the
// ratchet.
//
// Signing the digest rather than the bytes (version 2) hashes a large
// message once on each side instead of three times (Ed25519 runs SHA-512
// over its whole input twice to sign and once to verify); SHA-256 is
// hardware-accelerated on current amd64 and arm64. It is as strong: a forger
// needs either an Ed25519 forgery on a new 51-byte input or two envelopes
// with the same digest, i.e. a SHA-256 collision (2^128 work, the same level
// as Ed25519 itself); second preimages are harder still, and the prefix
// labels keep the digest and the signed input apart from every other hash
// and signature in the package. Length extension does not apply: the digest
// is only ever signed, never used as a MAC. The sender signs only envelopes
// it built itself, around ciphertext under a key the attacker does not know.
//
// Envelope versions. KindMessage: version 3 (above). Version 2, from
// builds before 2026-12-05, sealed with NaCl secretbox (XSalsa20-Poly1305)
// under keys of labelMessage; version 1, from builds before 2026-11-25, also
// had signature = Ed25519(labelEnvelope || every byte before the signature
// field). Both are still opened (never written); testdata/vectors_v2.json
// pins version 2. A changed version byte fails the signature either way.
//
// Version 3 changes only the cipher: ChaCha20-Poly1305 runs ≈ 3 × faster
// than secretbox on large messages here (x/crypto has AVX2 and NEON code for
// ChaCha20, SSE2 only for Salsa20: 64 KiB seal+open 55 µs against 161 µs on
// the bench machine), at the same strength: a 256-bit key and a Poly1305 tag,
// and a key and nonce used for exactly one message (XSalsa20's long nonce
// is not needed when the key itself is single-use).
//
// For KindRequest and KindAccept only version, kind and ciphertext are
// present; the ciphertext is an anonymous sealed box (box.SealAnonymous:
// ephemeral X25519 key[32] || XSalsa20-Poly1305 box, nonce =
// BLAKE2b-192(ephemeral || recipient)) to the recipient's X25519 identity key,
// of pad(Signed{body, signature = Ed25519(labelRequest or labelAccept || body)})
// (Padding below), so the node sees only the bucket, not the length of the
// greeting or card. Before opening, the box's ephemeral key is checked with
// curve25519.X25519; after opening, the padding must be exactly the bucket's.
//
// KindRequest and KindAccept are version 2 (padded); version 1 requests and
// accepts (unpadded, before 2026-11-25) are refused, so a request in flight
// across that upgrade has to be sent again.
//
//	RequestBody{card = SignedCard, ephemeral[32], greeting, id[16], sent_at_ms, recipient = Ed25519 key[32]}
//	AcceptBody{card = SignedCard, ephemeral[32], request_id[16], recipient = requester's Ed25519 key[32], sent_at_ms}
//
// Padding: plaintext || 0x80 || zeros, to bucket+1 bytes where bucket is the
// smallest of 256 B, 1, 4, 16, 64, 65 or 256 KiB that holds the plaintext, so the
// node sees only the bucket. MaxPlaintextSize is 256 KiB; every envelope is at
// most MaxEnvelopeSize bytes.
//
// Session (vault, secret): SessionState, see wire.proto. It holds no
// identity private key; UnmarshalSession is given the identity. Version 2
// (current) stores dh_public beside dh_private; UnmarshalSession trusts the
// blob (the vault authenticates it, and its public keys were validated when
// they came off the wire), so it checks lengths, bounds and all-zero keys
// but does no scalar multiplication. Version 1 (no dh_public) still loads:
// dh_public is derived once and the keys are validated as before; the next
// MarshalBinary writes version 2. testdata/session_v1.json pins that.
//
// # Keys
//
// Handshake (a = requester, b = acceptor; IK identity X25519, EK ephemeral):
//
//	ad = Ed25519 a || Ed25519 b
//	SK = HKDF-SHA256(ikm = X25519(IKa,IKb) || X25519(IKa,EKb) || X25519(EKa,IKb) || X25519(EKa,EKb),
//	                 salt = none, info = labelHandshake || ad)
//
// The acceptor starts as Signal's Alice with ratchet key EKb and peer key EKa
// (so it can send at once); the requester starts with a receiving chain for
// EKb and makes a fresh ratchet key before its first message.
//
// Double ratchet (https://signal.org/docs/specifications/doubleratchet/):
//
//	KDF_RK(rk, dh)  = HKDF-SHA256(ikm = dh, salt = rk, info = labelRoot) → rk' (32) || ck (32)
//	KDF_CK(ck)      = mk = HMAC-SHA256(ck, 0x01), ck' = HMAC-SHA256(ck, 0x02)
//	message keys    = HKDF-SHA256(ikm = mk, salt = none, info = labelMessageV3 || ad || header bytes)
//	                  → ChaCha20-Poly1305 key (32) || nonce (the first 12 of 24 bytes)
//	                  (versions 1 and 2: info = labelMessage || ad || header bytes
//	                  → secretbox key (32) || nonce (24))
//
// The header bytes include a 16-byte random salt chosen by Seal, so key and
// nonce stay unique even if a caller restores an old copy of a session and
// seals again with an already used message key.
//
// A DH ratchet step happens on every turn of the conversation: the receiving
// half when a header carries a new ratchet key, the sending half (a fresh
// X25519 key from rand) at the next Seal. Skipped message keys are stored
// (at most MaxSkip per chain per message, MaxSkippedKeys in all, for at most
// MaxSkippedAge receiving steps); a header asking for more is rejected before
// any key is derived, and so is a header naming one of the peer's last
// ratchet keys (a closed chain: all its keys are used or stored).
//
// # Reuse rules
//
//   - A message key is used for exactly one message: it comes from a chain
//     step that is never repeated (counters only grow; a consumed skipped key
//     is deleted), and its cipher key and nonce are derived from it
//     together with the header, so neither is ever reused. The header's
//     random salt keeps that true when a session is rolled back to an old
//     copy: store the session after every Seal and Open anyway, because a
//     receiver accepts each message number once.
//   - Chain and root keys are overwritten when they advance; message keys are
//     cleared after use. (Go may have copied them elsewhere in memory, and
//     the ChaCha20-Poly1305 value keeps its own copy of a message's key until
//     the collector takes it; this is best effort.)
//   - Seal and Open work on a copy of the state and commit it only on
//     success: a failed Open changes nothing, a failed Seal consumes nothing.
//   - Ephemeral handshake keys and ratchet keys come from rand; a sealed box's
//     nonce is derived from its fresh ephemeral key.
//   - Every signature and KDF carries a distinct "parley/v1/..." label (the
//     constants below), so no signature or key of one kind is valid as another.
//
// # Replays
//
// (*Session).Open rejects a replayed envelope (its key is gone). Requests and
// accepts carry a random ID: the caller drops a request whose ID it has seen
// and deletes a PendingRequest once OpenAccept succeeded.
package e2e

// Domain-separation labels: signature prefixes and HKDF info strings. They
// are part of the wire format; changing one is a version change.
const (
	labelCard           = "parley/v1/card\x00"
	labelRequest        = "parley/v1/request\x00"
	labelAccept         = "parley/v1/accept\x00"
	labelEnvelope       = "parley/v1/envelope\x00"
	labelEnvelopeDigest = "parley/v2/envelope-digest\x00"
	labelEnvelopeSigned = "parley/v2/envelope\x00"
	labelInviteChecksum = "parley/v1/invite-checksum"
	labelSafety         = "parley/v1/safety-number"
	labelHandshake      = "parley/v1/handshake"
	labelRoot           = "parley/v1/root"
	labelMessage        = "parley/v1/message"
	labelMessageV3      = "parley/v3/message"
)
