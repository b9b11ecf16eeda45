package app

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"time"

	lcrypto "github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/parley-chat/parley/app/e2e"
	"github.com/parley-chat/parley/vault"
)

// identity is our private identity with its peer ID. This file is the only
// one that speaks app/e2e: it turns the crypto core's types into bytes and
// peer IDs for the rest of the package.
type identity struct {
	key *e2e.IdentityPrivate
	id  PeerID
}

// cardInfo is a parsed, signature-checked contact card.
type cardInfo struct {
	Peer  PeerID
	Name  string // sanitised
	Nodes []string
	Key   []byte // both identity public keys: what is pinned
	Pub   e2e.IdentityPublic
	Raw   []byte // the signed card as received
}

func newIdentity() (*identity, error) {
	k, err := e2e.NewIdentity(rand.Reader)
	if err != nil {
		return nil, err
	}
	return wrapIdentity(k)
}

func loadIdentity(b []byte) (*identity, error) {
	k, err := e2e.UnmarshalIdentity(b)
	if err != nil {
		return nil, err
	}
	return wrapIdentity(k)
}

func wrapIdentity(k *e2e.IdentityPrivate) (*identity, error) {
	p, err := peerOf(k.Public().Ed25519())
	if err != nil {
		return nil, err
	}
	return &identity{key: k, id: p}, nil
}

// peerOf derives the libp2p peer ID of an Ed25519 public key.
func peerOf(pub ed25519.PublicKey) (PeerID, error) {
	lk, err := lcrypto.UnmarshalEd25519PublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("peer id: %w", err)
	}
	id, err := peer.IDFromPublicKey(lk)
	if err != nil {
		return "", fmt.Errorf("peer id: %w", err)
	}
	return PeerID(id.String()), nil
}

func (id *identity) peerID() PeerID { return id.id }

func (id *identity) ed25519() ed25519.PrivateKey { return id.key.Ed25519() }

// marshal encodes the private identity for the vault (secret).
func (id *identity) marshal() []byte {
	b, err := id.key.MarshalBinary()
	if err != nil {
		panic(fmt.Sprintf("marshal identity: %v", err)) // deterministic proto of fixed fields
	}
	return b
}

// card signs our contact card.
func (id *identity) card(name string, nodes []string, now time.Time) ([]byte, error) {
	sc, err := e2e.NewCard(id.key, name, nodes, now)
	if err != nil {
		return nil, fmt.Errorf("sign card: %w", err)
	}
	return sc.MarshalBinary()
}

func infoOf(sc e2e.SignedCard) (cardInfo, error) {
	p, err := peerOf(sc.Card.Identity.Ed25519())
	if err != nil {
		return cardInfo{}, err
	}
	raw, err := sc.MarshalBinary()
	if err != nil {
		return cardInfo{}, err
	}
	x := sc.Card.Identity.X25519()
	return cardInfo{
		Peer: p, Name: SanitizeName(sc.Card.Name), Nodes: sc.Card.Nodes,
		Key: append(sc.Card.Identity.Ed25519(), x[:]...), Pub: sc.Card.Identity, Raw: raw,
	}, nil
}

// parseCard verifies and reads a signed card.
func parseCard(raw []byte) (cardInfo, error) {
	sc, err := e2e.ParseSignedCard(raw)
	if err != nil {
		return cardInfo{}, fmt.Errorf("%w: %w", ErrBadInvite, err)
	}
	return infoOf(sc)
}

// parseInviteCard verifies and reads a parley: invite.
func parseInviteCard(s string) (cardInfo, error) {
	sc, err := e2e.ParseInviteSigned(s)
	if err != nil {
		return cardInfo{}, fmt.Errorf("%w: %w", ErrBadInvite, err)
	}
	return infoOf(sc)
}

// inviteOf encodes our stored card as an invite ("" if it cannot be read).
func inviteOf(card []byte) string {
	sc, err := e2e.ParseSignedCard(card)
	if err != nil {
		return ""
	}
	return sc.Invite()
}

// safetyNumberOf computes the safety number of two signed cards.
func safetyNumberOf(mine, theirs []byte) (SafetyNumber, error) {
	a, err := parseCard(mine)
	if err != nil {
		return SafetyNumber{}, err
	}
	b, err := parseCard(theirs)
	if err != nil {
		return SafetyNumber{}, err
	}
	s := e2e.SafetyNumber(a.Pub, b.Pub)
	return SafetyNumber{Digits: s.String(), QR: s.QR()}, nil
}

// newRequest seals a friend request to ci; it returns the sealed request
// and the pending state to keep (secret) until the accept arrives.
func (id *identity) newRequest(ci cardInfo, myCard []byte, greeting string) ([]byte, []byte, error) {
	mine, err := e2e.ParseSignedCard(myCard)
	if err != nil {
		return nil, nil, fmt.Errorf("own card: %w", err)
	}
	to := &e2e.Card{Identity: ci.Pub, Name: ci.Name, Nodes: ci.Nodes}
	sealed, pending, err := e2e.NewRequest(rand.Reader, id.key, mine, to, greeting, time.Now())
	if err != nil {
		return nil, nil, fmt.Errorf("seal request: %w", err)
	}
	state, err := pending.MarshalBinary()
	if err != nil {
		return nil, nil, fmt.Errorf("seal request: %w", err)
	}
	return sealed, state, nil
}

// openRequest opens a friend request sealed to us; it returns the
// requester's card, the greeting and the state Accept needs.
func (id *identity) openRequest(sealed []byte) (ci cardInfo, greeting string, state []byte, sentAt time.Time, err error) {
	req, err := e2e.OpenRequest(id.key, sealed)
	if err != nil {
		return cardInfo{}, "", nil, time.Time{}, err
	}
	state, err = req.MarshalBinary()
	if err != nil {
		return cardInfo{}, "", nil, time.Time{}, err
	}
	ci, err = infoOf(req.SignedCard())
	return ci, req.Greeting, state, req.SentAt, err
}

// accept answers a stored request; it returns the sealed accept and the new
// session.
func (id *identity) accept(state []byte, myCard []byte) ([]byte, []byte, error) {
	req, err := e2e.UnmarshalRequest(id.key, state)
	if err != nil {
		return nil, nil, err
	}
	mine, err := e2e.ParseSignedCard(myCard)
	if err != nil {
		return nil, nil, fmt.Errorf("own card: %w", err)
	}
	sealed, sess, err := e2e.Accept(rand.Reader, id.key, mine, req, time.Now())
	if err != nil {
		return nil, nil, fmt.Errorf("seal accept: %w", err)
	}
	blob, err := sess.MarshalBinary()
	return sealed, blob, err
}

// openAccept opens an accept with the pending state of one of our requests.
func (id *identity) openAccept(state, sealed []byte) (cardInfo, []byte, error) {
	pending, err := e2e.UnmarshalPendingRequest(id.key, state)
	if err != nil {
		return cardInfo{}, nil, err
	}
	card, sess, err := e2e.OpenAccept(id.key, pending, sealed)
	if err != nil {
		return cardInfo{}, nil, err
	}
	ci, err := infoOf(*card)
	if err != nil {
		return ci, nil, err
	}
	blob, err := sess.MarshalBinary()
	return ci, blob, err
}

// sessions caches the ratchet sessions one vault transaction uses, so a
// batch of messages loads and stores each session once. Put marks a
// session to store; flush writes them back in the same transaction. The
// crypto core's Open and Seal change a session only when they succeed.
type sessions struct {
	id      *identity
	live    *liveSessions
	m       map[PeerID]*e2e.Session
	dirty   map[PeerID]bool
	written map[PeerID]liveSession // stored by flush; live after commit
}

// liveSessions keeps decoded sessions between transactions, each with the
// blob it was stored as: decoding a session costs far more than a message.
// A transaction takes a session out (so no two transactions share one) and
// commit puts it back only once its transaction committed; a session whose
// blob in the vault differs from the cached one is decoded afresh. Safe for
// concurrent use.
type liveSessions struct {
	mu sync.Mutex // guards m
	m  map[PeerID]liveSession
}

type liveSession struct {
	blob []byte
	s    *e2e.Session
}

func newLiveSessions() *liveSessions { return &liveSessions{m: make(map[PeerID]liveSession)} }

// take returns the cached session of p if it was stored as blob.
func (l *liveSessions) take(p PeerID, blob []byte) *e2e.Session {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.m[p]
	if !ok {
		return nil
	}
	delete(l.m, p)
	if !bytes.Equal(e.blob, blob) {
		return nil
	}
	return e.s
}

func (id *identity) sessions(live *liveSessions) *sessions {
	return &sessions{id: id, live: live, m: make(map[PeerID]*e2e.Session), dirty: make(map[PeerID]bool), written: make(map[PeerID]liveSession)}
}

// get loads the session with p.
func (ss *sessions) get(tx *vault.Tx, p PeerID) (*e2e.Session, error) {
	if s, ok := ss.m[p]; ok {
		return s, nil
	}
	blob, err := tx.GetSession(string(p))
	if err != nil {
		return nil, fmt.Errorf("load session: %w", err)
	}
	s := ss.live.take(p, blob)
	if s == nil {
		if s, err = e2e.UnmarshalSession(ss.id.key, blob); err != nil {
			return nil, fmt.Errorf("load session: %w", err)
		}
	}
	ss.m[p] = s
	return s, nil
}

// commit hands the sessions written by flush to the live cache; call it
// only after the transaction committed.
func (ss *sessions) commit() {
	ss.live.mu.Lock()
	defer ss.live.mu.Unlock()
	for p, e := range ss.written {
		ss.live.m[p] = e
	}
}

// forget drops p's cached session (it was replaced in the transaction).
func (ss *sessions) forget(p PeerID) { delete(ss.m, p); delete(ss.dirty, p); delete(ss.written, p) }

// seal encrypts plain for p, advancing the session.
func (ss *sessions) seal(tx *vault.Tx, p PeerID, plain []byte) ([]byte, error) {
	s, err := ss.get(tx, p)
	if err != nil {
		return nil, err
	}
	env, err := s.Seal(rand.Reader, plain)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	ss.dirty[p] = true
	return env, nil
}

// sealAll encrypts each of plains for p in turn, advancing the session,
// with the signatures computed in parallel.
func (ss *sessions) sealAll(tx *vault.Tx, p PeerID, plains [][]byte) ([][]byte, error) {
	s, err := ss.get(tx, p)
	if err != nil {
		return nil, err
	}
	envs, err := s.SealAll(rand.Reader, plains, parallel)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	ss.dirty[p] = true
	return envs, nil
}

// open verifies and decrypts an envelope from p, advancing the session.
// chk, if not nil, is env with its signature already verified.
func (ss *sessions) open(tx *vault.Tx, p PeerID, env []byte, chk *e2e.Checked) ([]byte, error) {
	s, err := ss.get(tx, p)
	if err != nil {
		return nil, err
	}
	var plain []byte
	if chk != nil {
		plain, err = s.OpenChecked(chk)
	} else {
		plain, err = s.Open(env)
	}
	if err != nil {
		return nil, err
	}
	ss.dirty[p] = true
	return plain, nil
}

// flush stores every advanced session.
func (ss *sessions) flush(tx *vault.Tx) error {
	for p := range ss.dirty {
		blob, err := ss.m[p].MarshalBinary()
		if err != nil {
			return fmt.Errorf("store session: %w", err)
		}
		if err := tx.PutSession(string(p), blob); err != nil {
			return err
		}
		ss.written[p] = liveSession{blob: blob, s: ss.m[p]}
	}
	clear(ss.dirty)
	return nil
}

var errNotMessage = errors.New("envelope is not a message")

// senderCache reads the claimed senders of a batch's message envelopes.
// A batch's envelopes mostly come from one sender, so the peer ID of the
// key seen last is kept: its base58 form is derived once per sender, not
// once per envelope.
type senderCache struct {
	key ed25519.PublicKey
	id  PeerID
}

// sender returns the claimed sender of a message envelope and the key it
// carries (unverified; Open verifies it against the pinned key).
func (c *senderCache) sender(env []byte) (PeerID, ed25519.PublicKey, error) {
	pub, kind, err := e2e.PeekSender(env)
	if err != nil {
		return "", nil, err
	}
	if kind != e2e.KindMessage {
		return "", nil, errNotMessage
	}
	if c.key == nil || !bytes.Equal(pub, c.key) {
		id, err := peerOf(pub)
		if err != nil {
			return "", nil, err
		}
		c.key, c.id = pub, id
	}
	return c.id, pub, nil
}

// libp2p returns the libp2p peer ID (empty if p is not a valid peer ID).
func (p PeerID) libp2p() peer.ID {
	id, err := peer.Decode(string(p))
	if err != nil {
		return ""
	}
	return id
}

// peerOfID returns the textual peer ID ("" for the empty ID).
func peerOfID(id peer.ID) PeerID {
	if id == "" {
		return ""
	}
	return PeerID(id.String())
}
