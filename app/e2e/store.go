package e2e

import (
	"fmt"
	"github.com/parley-chat/parley/app/e2e/internal/wirepb"
	"time"

	"golang.org/x/crypto/curve25519"
	"google.golang.org/protobuf/proto"
)

const (
	// pendingVersion is the PendingRequestState version.
	pendingVersion = 1
	// sessionVersion is the SessionState version MarshalBinary writes. Version 2
	// stores dh_public; version 1 (without it) still loads.
	sessionVersion   = 2
	sessionVersionV1 = 1
	// maxStoredSession bounds an encoded session (skipped keys dominate).
	maxStoredSession = 64<<10 + MaxSkippedKeys*96
)

// MarshalBinary encodes the pending request for the vault. The result is
// secret (it holds the ephemeral private key).
func (p *PendingRequest) MarshalBinary() ([]byte, error) {
	return proto.MarshalOptions{Deterministic: true}.Marshal(&wirepb.PendingRequestState{
		Version: pendingVersion, Id: p.ID[:], EphemeralPrivate: p.eph.priv[:],
		PeerEd25519: p.Peer.ed[:], PeerX25519: p.Peer.dh[:], LocalEd25519: p.local.ed[:],
		SentAtMs: p.SentAt.UnixMilli(),
	})
}

// UnmarshalPendingRequest decodes a pending request made by MarshalBinary
// for identity me.
func UnmarshalPendingRequest(me *IdentityPrivate, b []byte) (*PendingRequest, error) {
	var st wirepb.PendingRequestState
	if err := proto.Unmarshal(b, &st); err != nil || st.Version != pendingVersion ||
		len(st.Id) != len(RequestID{}) || len(st.EphemeralPrivate) != keyLen {
		return nil, fmt.Errorf("unmarshal pending request: %w", ErrMalformed)
	}
	if !isMe(me, st.LocalEd25519) {
		return nil, fmt.Errorf("unmarshal pending request: %w", ErrIdentityMismatch)
	}
	peer, err := NewIdentityPublic(st.PeerEd25519, st.PeerX25519)
	if err != nil {
		return nil, fmt.Errorf("unmarshal pending request: %w", err)
	}
	p := &PendingRequest{Peer: peer, SentAt: time.UnixMilli(st.SentAtMs).UTC(), local: me.pub}
	copy(p.ID[:], st.Id)
	copy(p.eph.priv[:], st.EphemeralPrivate)
	pub, err := curve25519.X25519(p.eph.priv[:], curve25519.Basepoint)
	if err != nil {
		return nil, fmt.Errorf("unmarshal pending request: %w", ErrMalformed)
	}
	copy(p.eph.pub[:], pub)
	return p, nil
}

// MarshalBinary encodes the session for the vault. The result is secret
// (root, chain and skipped message keys) but holds no identity private key:
// UnmarshalSession takes that separately.
func (s *Session) MarshalBinary() ([]byte, error) {
	r := &s.r
	st := &wirepb.SessionState{
		Version: sessionVersion, LocalEd25519: s.me.pub.ed[:], RemoteEd25519: s.remote.ed[:],
		RemoteX25519: s.remote.dh[:], Initiator: s.initiator, RootKey: r.rk[:],
		DhPrivate: r.dhPriv[:], DhPublic: r.dhPub[:], DhRemote: r.dhRemote[:], Ns: r.ns, Nr: r.nr, Pn: r.pn,
		Step: r.step, NeedSendStep: r.flags&needSendStep != 0,
	}
	if r.flags&hasCKs != 0 {
		st.SendChain = r.cks[:]
	}
	if r.flags&hasCKr != 0 {
		st.RecvChain = r.ckr[:]
	}
	for i := range r.prev {
		st.PreviousRemote = append(st.PreviousRemote, r.prev[i][:])
	}
	for _, e := range s.skipped.entries() {
		st.Skipped = append(st.Skipped, &wirepb.SkippedKey{Dh: e.key.dh[:], N: e.key.n, Key: e.mk[:], Step: e.step})
	}
	return proto.MarshalOptions{Deterministic: true}.Marshal(st)
}

// UnmarshalSession decodes a session made by MarshalBinary and attaches the
// identity me, which must be the session's local identity.
//
// The blob is trusted storage (the vault seals and authenticates it), and
// every public key in it was validated when it arrived from the wire, so a
// current (version 2) blob is only checked for lengths, bounds and all-zero
// keys: no scalar multiplication, a few µs. A version 1 blob, which lacks
// dh_public, is decoded as before (its keys validated, dh_public derived);
// the next MarshalBinary writes version 2.
func UnmarshalSession(me *IdentityPrivate, b []byte) (*Session, error) {
	if len(b) > maxStoredSession {
		return nil, fmt.Errorf("unmarshal session: %w", ErrTooLarge)
	}
	var st wirepb.SessionState
	if err := proto.Unmarshal(b, &st); err != nil ||
		(st.Version != sessionVersion && st.Version != sessionVersionV1) {
		return nil, fmt.Errorf("unmarshal session: %w", ErrMalformed)
	}
	if !isMe(me, st.LocalEd25519) {
		return nil, fmt.Errorf("unmarshal session: %w", ErrIdentityMismatch)
	}
	var remote IdentityPublic
	if st.Version == sessionVersionV1 {
		var err error
		if remote, err = NewIdentityPublic(st.RemoteEd25519, st.RemoteX25519); err != nil {
			return nil, fmt.Errorf("unmarshal session: %w", err)
		}
	} else if !copy32(&remote.ed, st.RemoteEd25519) || !copy32(&remote.dh, st.RemoteX25519) ||
		isZero32(&remote.ed) || isZero32(&remote.dh) {
		return nil, fmt.Errorf("unmarshal session: %w", ErrInvalidKey)
	}
	s := newSession(me, remote, st.Initiator)
	if err := s.r.load(&st); err != nil {
		return nil, fmt.Errorf("unmarshal session: %w", err)
	}
	if err := s.loadSkipped(st.Skipped); err != nil {
		return nil, fmt.Errorf("unmarshal session: %w", err)
	}
	return s, nil
}

// load fills the ratchet from its stored form.
func (r *ratchet) load(st *wirepb.SessionState) error {
	if !copy32(&r.rk, st.RootKey) || !copy32(&r.dhPriv, st.DhPrivate) || !copy32(&r.dhRemote, st.DhRemote) ||
		isZero32(&r.dhPriv) || isZero32(&r.dhRemote) {
		return ErrMalformed
	}
	if err := r.loadPublic(st); err != nil {
		return err
	}
	if len(st.SendChain) > 0 {
		if !copy32(&r.cks, st.SendChain) {
			return ErrMalformed
		}
		r.flags |= hasCKs
	}
	if len(st.RecvChain) > 0 {
		if !copy32(&r.ckr, st.RecvChain) {
			return ErrMalformed
		}
		r.flags |= hasCKr
	}
	if st.NeedSendStep {
		r.flags |= needSendStep
	}
	r.ns, r.nr, r.pn, r.step = st.Ns, st.Nr, st.Pn, st.Step
	if len(st.PreviousRemote) > prevRemotes {
		return ErrMalformed
	}
	off := prevRemotes - len(st.PreviousRemote)
	for i, p := range st.PreviousRemote {
		if !copy32(&r.prev[off+i], p) {
			return ErrMalformed
		}
	}
	return nil
}

// loadPublic sets dhPub: stored since version 2; derived (and the remote
// ratchet key validated, as version 1 always did) for a version 1 blob.
func (r *ratchet) loadPublic(st *wirepb.SessionState) error {
	if st.Version != sessionVersionV1 {
		if !copy32(&r.dhPub, st.DhPublic) || isZero32(&r.dhPub) {
			return ErrMalformed
		}
		return nil
	}
	if len(st.DhPublic) != 0 {
		return ErrMalformed
	}
	pub, err := curve25519.X25519(r.dhPriv[:], curve25519.Basepoint)
	if err != nil {
		return ErrMalformed
	}
	copy(r.dhPub[:], pub)
	if st.NeedSendStep && !validX25519(r.dhRemote[:]) {
		return ErrMalformed
	}
	return nil
}

func (s *Session) loadSkipped(list []*wirepb.SkippedKey) error {
	if len(list) > MaxSkippedKeys {
		return ErrTooLarge
	}
	keys := make([]pendingSkip, 0, len(list))
	for _, k := range list {
		var p pendingSkip
		if !copy32(&p.key.dh, k.Dh) || !copy32(&p.mk, k.Key) || k.Step > s.r.step {
			return ErrMalformed
		}
		p.key.n, p.step = k.N, k.Step
		keys = append(keys, p)
	}
	s.skipped.add(keys, s.r.step)
	zeroSkips(keys)
	return nil
}

func copy32(dst *[32]byte, src []byte) bool {
	if len(src) != 32 {
		return false
	}
	copy(dst[:], src)
	return true
}

// isZero32 reports, in constant time, whether k is all zeros: the cheap
// sanity check for keys loaded from trusted storage.
func isZero32(k *[32]byte) bool {
	var acc byte
	for _, b := range k {
		acc |= b
	}
	return acc == 0
}
