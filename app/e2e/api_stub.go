package e2e

import (
	"crypto/ed25519"
	"errors"
	"io"
	"time"
)

var errNotImplemented = errors.New("e2e: not implemented")

// Kind says what an envelope carries.
type Kind uint8

// Envelope kinds.
const (
	KindMessage Kind = 1 // a double-ratchet message between friends
	KindRequest Kind = 2 // a friend request (anonymous sealed box)
	KindAccept  Kind = 3 // the acceptance of a friend request (anonymous sealed box)
)

// Size limits of messages.
const (
	MaxPlaintextSize = 256 << 10
	MaxEnvelopeSize  = MaxPlaintextSize + 1024
)

// RequestID identifies one friend request.
type RequestID [16]byte

// Request is an opened, verified friend request.
type Request struct {
	Card     Card
	Greeting string
	ID       RequestID
	SentAt   time.Time
	signed   []byte
	eph      [32]byte
}

// PendingRequest is a sent request waiting for its accept. It holds a secret
// ephemeral key: store it only sealed.
type PendingRequest struct {
	ID     RequestID
	Peer   IdentityPublic
	SentAt time.Time
	local  IdentityPublic
	eph    [32]byte
}

// Session is a double-ratchet session with one friend.
type Session struct{ me *IdentityPrivate }

// NewRequest makes a friend request.
func NewRequest(rand io.Reader, me *IdentityPrivate, myCard SignedCard, to *Card, greeting string, now time.Time) ([]byte, *PendingRequest, error) {
	return nil, nil, errNotImplemented
}

// OpenRequest opens a friend request.
func OpenRequest(me *IdentityPrivate, sealed []byte) (*Request, error) { return nil, errNotImplemented }

// Accept accepts a request.
func Accept(rand io.Reader, me *IdentityPrivate, myCard SignedCard, req *Request, now time.Time) ([]byte, *Session, error) {
	return nil, nil, errNotImplemented
}

// OpenAccept opens an accept.
func OpenAccept(me *IdentityPrivate, pending *PendingRequest, sealed []byte) (*Card, *Session, error) {
	return nil, nil, errNotImplemented
}

// MarshalBinary encodes the pending request.
func (p *PendingRequest) MarshalBinary() ([]byte, error) { return nil, errNotImplemented }

// UnmarshalPendingRequest decodes a pending request.
func UnmarshalPendingRequest(b []byte) (*PendingRequest, error) { return nil, errNotImplemented }

// MarshalBinary encodes the request for storage until the user answers.
func (r *Request) MarshalBinary() ([]byte, error) { return nil, errNotImplemented }

// UnmarshalRequest decodes a request stored with MarshalBinary.
func UnmarshalRequest(b []byte) (*Request, error) { return nil, errNotImplemented }

// Seal seals plaintext.
func (s *Session) Seal(rand io.Reader, plaintext []byte) ([]byte, error) {
	return nil, errNotImplemented
}

// Open opens an envelope.
func (s *Session) Open(envelope []byte) ([]byte, error) { return nil, ErrDecrypt }

// Remote returns the friend's pinned identity.
func (s *Session) Remote() IdentityPublic { return IdentityPublic{} }

// Local returns our identity.
func (s *Session) Local() IdentityPublic { return IdentityPublic{} }

// MarshalBinary encodes the session for the vault.
func (s *Session) MarshalBinary() ([]byte, error) { return nil, errNotImplemented }

// UnmarshalSession decodes a session for identity me.
func UnmarshalSession(me *IdentityPrivate, b []byte) (*Session, error) {
	return nil, errNotImplemented
}

// PeekSender returns the sender key and kind of an envelope without
// verifying anything.
func PeekSender(envelope []byte) (ed25519.PublicKey, Kind, error) {
	return nil, 0, errNotImplemented
}
