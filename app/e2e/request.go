package e2e

import (
	"fmt"
	"github.com/parley-chat/parley/app/e2e/internal/wirepb"
	"io"
	"time"

	"google.golang.org/protobuf/proto"
)

// Request is an opened friend request whose signature has been verified
// against the requester's card. It is a value; the zero value is not usable.
type Request struct {
	Card     Card
	Greeting string
	ID       RequestID
	SentAt   time.Time
	card     SignedCard
	signed   []byte   // the encoded Signed message, for MarshalBinary
	eph      [32]byte // requester's ephemeral public key
}

// SignedCard returns the requester's signed card (to store or pass on).
func (r *Request) SignedCard() SignedCard { return r.card }

// NewRequest makes a friend request from me to the owner of card to: my
// signed card, a new ephemeral key and the greeting, signed with my Ed25519
// key and sealed to their X25519 identity key. Keep pending (sealed in the
// vault) until the accept comes back.
func NewRequest(rand io.Reader, me *IdentityPrivate, myCard SignedCard, to *Card, greeting string, now time.Time) (sealed []byte, pending *PendingRequest, err error) {
	if err := checkMyCard(me, myCard); err != nil {
		return nil, nil, fmt.Errorf("new request: %w", err)
	}
	if err := checkGreeting(greeting); err != nil {
		return nil, nil, fmt.Errorf("new request: greeting: %w", err)
	}
	eph, err := newEphemeral(rand)
	if err != nil {
		return nil, nil, fmt.Errorf("new request: %w", err)
	}
	p := &PendingRequest{Peer: to.Identity, SentAt: unixMilli(now), local: me.pub, eph: eph}
	if _, err := io.ReadFull(rand, p.ID[:]); err != nil {
		return nil, nil, fmt.Errorf("new request: id: %w", err)
	}
	signed, err := signedMessage(me, labelRequest, &wirepb.RequestBody{
		Card: myCard.mustBytes(), Ephemeral: eph.pub[:], Greeting: greeting,
		Id: p.ID[:], SentAtMs: now.UnixMilli(), Recipient: to.Identity.ed[:],
	})
	if err != nil {
		return nil, nil, fmt.Errorf("new request: %w", err)
	}
	sealed, err = sealTo(rand, to.Identity, KindRequest, signed)
	if err != nil {
		return nil, nil, fmt.Errorf("new request: %w", err)
	}
	return sealed, p, nil
}

// OpenRequest opens a friend request envelope addressed to me and verifies
// it: the card's own signature, the request's signature by the card's key,
// that it names me as the recipient, and that its ephemeral key is a valid
// X25519 point. The caller must drop requests whose ID it has seen before
// (replays) and decide how old SentAt may be.
func OpenRequest(me *IdentityPrivate, sealed []byte) (*Request, error) {
	s, err := openSealed(me, KindRequest, sealed)
	if err != nil {
		return nil, fmt.Errorf("open request: %w", err)
	}
	r, err := verifyRequest(me, s)
	if err != nil {
		return nil, fmt.Errorf("open request: %w", err)
	}
	return r, nil
}

func verifyRequest(me *IdentityPrivate, s *wirepb.Signed) (*Request, error) {
	var body wirepb.RequestBody
	if err := proto.Unmarshal(s.Body, &body); err != nil {
		return nil, ErrMalformed
	}
	if len(body.Id) != len(RequestID{}) || !isMe(me, body.Recipient) {
		return nil, ErrMalformed
	}
	if err := checkGreeting(body.Greeting); err != nil {
		return nil, err
	}
	eph, err := checkedEphemeral(body.Ephemeral)
	if err != nil {
		return nil, err
	}
	sc, err := verifySigned(s, labelRequest, body.Card)
	if err != nil {
		return nil, err
	}
	signed, err := proto.MarshalOptions{Deterministic: true}.Marshal(s)
	if err != nil {
		return nil, err
	}
	r := &Request{Card: sc.Card, Greeting: body.Greeting, SentAt: time.UnixMilli(body.SentAtMs).UTC(), card: sc, signed: signed, eph: eph}
	copy(r.ID[:], body.Id)
	return r, nil
}

// MarshalBinary encodes the request so that it can wait in the vault until
// the user answers it.
func (r *Request) MarshalBinary() ([]byte, error) {
	return proto.MarshalOptions{Deterministic: true}.Marshal(&wirepb.RequestState{Version: 1, Signed: r.signed})
}

// UnmarshalRequest decodes a request stored with MarshalBinary, verifying it
// again for identity me.
func UnmarshalRequest(me *IdentityPrivate, b []byte) (*Request, error) {
	var st wirepb.RequestState
	if err := proto.Unmarshal(b, &st); err != nil || st.Version != 1 || len(st.Signed) > maxSigned {
		return nil, fmt.Errorf("unmarshal request: %w", ErrMalformed)
	}
	var s wirepb.Signed
	if err := proto.Unmarshal(st.Signed, &s); err != nil {
		return nil, fmt.Errorf("unmarshal request: %w", ErrMalformed)
	}
	r, err := verifyRequest(me, &s)
	if err != nil {
		return nil, fmt.Errorf("unmarshal request: %w", err)
	}
	return r, nil
}
