package e2e

import (
	"fmt"
	"github.com/parley-chat/parley/app/e2e/internal/wirepb"
	"io"
	"time"

	"google.golang.org/protobuf/proto"
)

// PendingRequest is a sent friend request waiting for its accept. It holds
// the secret ephemeral key of the request: store it only sealed, and delete
// it once OpenAccept has succeeded (which also makes a replayed accept fail).
type PendingRequest struct {
	ID     RequestID
	Peer   IdentityPublic // the identity the request was sealed to
	SentAt time.Time
	local  IdentityPublic
	eph    ephemeral
}

// Accept answers req: my card and a new ephemeral key, signed and sealed to
// the requester, plus the session (Signal's "Alice": it can Seal at once).
func Accept(rand io.Reader, me *IdentityPrivate, myCard SignedCard, req *Request, now time.Time) (sealed []byte, s *Session, err error) {
	if err := checkMyCard(me, myCard); err != nil {
		return nil, nil, fmt.Errorf("accept: %w", err)
	}
	eph, err := newEphemeral(rand)
	if err != nil {
		return nil, nil, fmt.Errorf("accept: %w", err)
	}
	peer := req.Card.Identity
	s = newSession(me, peer, false)
	dhs, err := x25519All([4][2][]byte{
		{me.dh[:], peer.dh[:]}, {eph.priv[:], peer.dh[:]}, {me.dh[:], req.eph[:]}, {eph.priv[:], req.eph[:]},
	})
	if err != nil {
		return nil, nil, fmt.Errorf("accept: %w", err)
	}
	if err := s.r.initResponder(handshakeSecret(dhs, &s.ad), eph, req.eph); err != nil {
		return nil, nil, fmt.Errorf("accept: %w", err)
	}
	signed, err := signedMessage(me, labelAccept, &wirepb.AcceptBody{
		Card: myCard.mustBytes(), Ephemeral: eph.pub[:], RequestId: req.ID[:],
		Recipient: peer.ed[:], SentAtMs: now.UnixMilli(),
	})
	if err != nil {
		return nil, nil, fmt.Errorf("accept: %w", err)
	}
	if sealed, err = sealTo(rand, peer, KindAccept, signed); err != nil {
		return nil, nil, fmt.Errorf("accept: %w", err)
	}
	return sealed, s, nil
}

// OpenAccept opens the accept of pending. The acceptor must be exactly the
// identity the request was sent to (ErrIdentityMismatch otherwise), the
// accept must name me and the request's ID, and its signature must verify.
// It returns the acceptor's (possibly updated) signed card and the session.
func OpenAccept(me *IdentityPrivate, pending *PendingRequest, sealed []byte) (*SignedCard, *Session, error) {
	if !pending.local.Equal(me.pub) {
		return nil, nil, fmt.Errorf("open accept: %w", ErrIdentityMismatch)
	}
	s, err := openSealed(me, KindAccept, sealed)
	if err != nil {
		return nil, nil, fmt.Errorf("open accept: %w", err)
	}
	sc, peerEph, err := verifyAccept(me, pending, s)
	if err != nil {
		return nil, nil, fmt.Errorf("open accept: %w", err)
	}
	peer := sc.Card.Identity
	sess := newSession(me, peer, true)
	dhs, err := x25519All([4][2][]byte{
		{me.dh[:], peer.dh[:]}, {me.dh[:], peerEph[:]}, {pending.eph.priv[:], peer.dh[:]}, {pending.eph.priv[:], peerEph[:]},
	})
	if err != nil {
		return nil, nil, fmt.Errorf("open accept: %w", err)
	}
	if err := sess.r.initInitiator(handshakeSecret(dhs, &sess.ad), pending.eph, peerEph); err != nil {
		return nil, nil, fmt.Errorf("open accept: %w", err)
	}
	return &sc, sess, nil
}

func verifyAccept(me *IdentityPrivate, p *PendingRequest, s *wirepb.Signed) (SignedCard, [32]byte, error) {
	var body wirepb.AcceptBody
	if err := proto.Unmarshal(s.Body, &body); err != nil {
		return SignedCard{}, [32]byte{}, ErrMalformed
	}
	if !isMe(me, body.Recipient) || string(body.RequestId) != string(p.ID[:]) {
		return SignedCard{}, [32]byte{}, ErrMalformed
	}
	eph, err := checkedEphemeral(body.Ephemeral)
	if err != nil {
		return SignedCard{}, eph, err
	}
	sc, err := verifySigned(s, labelAccept, body.Card)
	if err != nil {
		return SignedCard{}, eph, err
	}
	if !sc.Card.Identity.Equal(p.Peer) {
		return SignedCard{}, eph, ErrIdentityMismatch
	}
	return sc, eph, nil
}

// initResponder starts the acceptor's ratchet: its ephemeral key is its
// first ratchet key and the requester's ephemeral key the peer's, so it has
// a sending chain at once.
func (r *ratchet) initResponder(sk [32]byte, mine ephemeral, theirs [32]byte) error {
	r.rk, r.dhPriv, r.dhPub, r.dhRemote = sk, mine.priv, mine.pub, theirs
	out, err := x25519(&r.dhPriv, &r.dhRemote)
	if err != nil {
		return err
	}
	r.rk, r.cks = kdfRK(&r.rk, out)
	clear(out)
	r.flags = hasCKs
	return nil
}

// initInitiator starts the requester's ratchet: a receiving chain for the
// acceptor's first ratchet key, and a DH step before its first Seal.
func (r *ratchet) initInitiator(sk [32]byte, mine ephemeral, theirs [32]byte) error {
	r.rk, r.dhPriv, r.dhPub, r.dhRemote = sk, mine.priv, mine.pub, theirs
	out, err := x25519(&r.dhPriv, &r.dhRemote)
	if err != nil {
		return err
	}
	r.rk, r.ckr = kdfRK(&r.rk, out)
	clear(out)
	r.flags = hasCKr | needSendStep
	return nil
}
