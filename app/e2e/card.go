package e2e

import (
	"crypto/ed25519"
	"fmt"
	"github.com/parley-chat/parley/app/e2e/internal/wirepb"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"
)

// Bounds on a contact card, checked before anything is allocated for it.
const (
	MaxNameLen     = 128  // bytes of UTF-8 in Card.Name
	MaxNodes       = 8    // entries in Card.Nodes
	MaxNodeLen     = 256  // bytes in one Card.Nodes entry
	maxCardBodyLen = 4096 // encoded CardBody, comfortably above the bounds above
	maxSignedCard  = maxCardBodyLen + 2*ed25519.SignatureSize
)

// Card is a contact card: who someone is and where to reach them. A Card
// returned by this package has had its signature verified against its own
// Ed25519 key. It is a plain value; the zero value is empty.
type Card struct {
	Identity  IdentityPublic
	Name      string
	Nodes     []string // home node multiaddrs, as strings
	CreatedAt time.Time
}

// SignedCard is a Card together with its owner's signature, as it travels in
// invites, friend requests and accepts. The zero value is not usable.
type SignedCard struct {
	Card Card
	body []byte // encoded CardBody, exactly as signed
	sig  []byte
}

// NewCard builds and signs me's card.
func NewCard(me *IdentityPrivate, name string, nodes []string, createdAt time.Time) (SignedCard, error) {
	c := Card{Identity: me.Public(), Name: name, Nodes: append([]string(nil), nodes...), CreatedAt: createdAt}
	if err := c.check(); err != nil {
		return SignedCard{}, fmt.Errorf("new card: %w", err)
	}
	body, err := proto.MarshalOptions{Deterministic: true}.Marshal(&wirepb.CardBody{
		Ed25519:     c.Identity.ed[:],
		X25519:      c.Identity.dh[:],
		Name:        c.Name,
		Nodes:       c.Nodes,
		CreatedAtMs: c.CreatedAt.UnixMilli(),
	})
	if err != nil {
		return SignedCard{}, fmt.Errorf("new card: %w", err)
	}
	c.CreatedAt = time.UnixMilli(c.CreatedAt.UnixMilli()).UTC()
	return SignedCard{Card: c, body: body, sig: me.sign(labelCard, body)}, nil
}

func (c *Card) check() error {
	if len(c.Name) > MaxNameLen || len(c.Nodes) > MaxNodes {
		return ErrTooLarge
	}
	if !utf8.ValidString(c.Name) {
		return ErrMalformed
	}
	for _, n := range c.Nodes {
		if len(n) > MaxNodeLen {
			return ErrTooLarge
		}
	}
	return nil
}

// MarshalBinary encodes the signed card (body and signature).
func (sc SignedCard) MarshalBinary() ([]byte, error) {
	if sc.body == nil {
		return nil, fmt.Errorf("marshal card: %w", ErrMalformed)
	}
	return proto.MarshalOptions{Deterministic: true}.Marshal(&wirepb.SignedCard{Body: sc.body, Signature: sc.sig})
}

// ParseSignedCard decodes a signed card made by MarshalBinary and verifies
// its signature against the card's own key.
func ParseSignedCard(b []byte) (SignedCard, error) {
	if len(b) > maxSignedCard {
		return SignedCard{}, fmt.Errorf("parse card: %w", ErrTooLarge)
	}
	var pb wirepb.SignedCard
	if err := proto.Unmarshal(b, &pb); err != nil {
		return SignedCard{}, fmt.Errorf("parse card: %w", ErrMalformed)
	}
	return verifyCard(pb.Body, pb.Signature)
}

// verifyCard decodes body, checks bounds and verifies sig.
func verifyCard(body, sig []byte) (SignedCard, error) {
	if len(body) > maxCardBodyLen {
		return SignedCard{}, fmt.Errorf("parse card: %w", ErrTooLarge)
	}
	var cb wirepb.CardBody
	if err := proto.Unmarshal(body, &cb); err != nil {
		return SignedCard{}, fmt.Errorf("parse card: %w", ErrMalformed)
	}
	id, err := NewIdentityPublic(cb.Ed25519, cb.X25519)
	if err != nil {
		return SignedCard{}, fmt.Errorf("parse card: %w", err)
	}
	c := Card{Identity: id, Name: cb.Name, Nodes: cb.Nodes, CreatedAt: time.UnixMilli(cb.CreatedAtMs).UTC()}
	if err := c.check(); err != nil {
		return SignedCard{}, fmt.Errorf("parse card: %w", err)
	}
	if len(sig) != ed25519.SignatureSize || !verify(id.ed[:], labelCard, body, sig) {
		return SignedCard{}, fmt.Errorf("parse card: %w", ErrBadSignature)
	}
	return SignedCard{Card: c, body: body, sig: sig}, nil
}

// verify checks an Ed25519 signature over prefix || msg.
func verify(pub []byte, prefix string, msg, sig []byte) bool {
	return verifyWith(VerifyEd25519, pub, prefix, msg, sig)
}

// verifyWith is verify with check in place of VerifyEd25519.
func verifyWith(check sigCheck, pub []byte, prefix string, msg, sig []byte) bool {
	p := getScratch(len(prefix) + len(msg))
	*p = append(append(*p, prefix...), msg...)
	ok := check(pub, *p, sig)
	putScratch(p)
	return ok
}

// mustBytes encodes a SignedCard known to be complete.
func (sc SignedCard) mustBytes() []byte {
	b, _ := sc.MarshalBinary() // only fails for the zero value, refused earlier
	return b
}
