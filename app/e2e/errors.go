package e2e

import "errors"

// Errors returned by this package. Callers check them with errors.Is; the
// returned errors may wrap them with context.
var (
	// ErrDecrypt is the only error (*Session).Open returns for an envelope
	// that cannot be opened, whatever the reason (bad signature, wrong
	// sender, altered bytes, replay, too far ahead, wrong session). It never
	// says why, so that it cannot serve as an oracle.
	ErrDecrypt = errors.New("e2e: message could not be decrypted")

	// ErrInviteChecksum means the invite's checksum does not match: it was
	// damaged in copy-paste or typed wrongly.
	ErrInviteChecksum = errors.New("e2e: invite is damaged (checksum mismatch)")
	// ErrInviteTruncated means the invite is shorter than it says it is.
	ErrInviteTruncated = errors.New("e2e: invite is incomplete (truncated)")
	// ErrInviteVersion means the invite was made by a newer (or unknown)
	// version of parley.
	ErrInviteVersion = errors.New("e2e: invite version not supported")
	// ErrInviteMalformed means the text is not a parley invite at all
	// (wrong prefix, characters outside the alphabet, bad contents).
	ErrInviteMalformed = errors.New("e2e: not a valid parley invite")
	// ErrBadSignature means a card, request or accept carries a signature
	// that does not verify against the key it claims.
	ErrBadSignature = errors.New("e2e: bad signature")

	// ErrIdentityMismatch means an accept came from a key other than the
	// one the request was sent to, or a stored blob belongs to another
	// identity.
	ErrIdentityMismatch = errors.New("e2e: identity key does not match")
	// ErrMalformed means bytes could not be decoded (request, accept,
	// stored session, stored identity).
	ErrMalformed = errors.New("e2e: malformed data")
	// ErrInvalidKey means a public key is not acceptable (wrong length,
	// low-order or all-zero X25519 point).
	ErrInvalidKey = errors.New("e2e: invalid public key")
	// ErrTooLarge means a plaintext, name, greeting or node list exceeds
	// its bound.
	ErrTooLarge = errors.New("e2e: too large")
)
