package e2e

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"math"

	"golang.org/x/crypto/curve25519"
)

// Session is a double-ratchet session with one friend (Signal's Double
// Ratchet, see doc.go). Make one with Accept or OpenAccept, or restore one
// with UnmarshalSession. A Session is not safe for concurrent use: one
// conversation owner calls Seal and Open in turn. Store it (MarshalBinary)
// after every Seal, together with the outgoing message, and after every
// successful Open, before acknowledging the envelope. The zero value is not
// usable.
type Session struct {
	me        *IdentityPrivate
	remote    IdentityPublic
	initiator bool     // we sent the friend request
	ad        [64]byte // initiator's Ed25519 key || responder's Ed25519 key
	r         ratchet
	skipped   skippedKeys
}

// ratchet is the fixed-size part of the state. It is a value so that Seal
// and Open can work on a copy and commit it only on success.
type ratchet struct {
	rk       [32]byte
	dhPriv   [32]byte
	dhPub    [32]byte
	dhRemote [32]byte
	cks, ckr [32]byte
	ns, nr   uint32
	pn, step uint32 // step counts receiving DH steps (ages skipped keys)
	flags    uint8
	// prev holds the peer's previous ratchet keys (a ring, oldest
	// overwritten). Their chains are closed: every key of them is either
	// used or in the skipped store, so a header naming one is refused
	// before any work (replays of old envelopes cost nothing).
	prev [prevRemotes][32]byte
}

// prevRemotes is how many closed chains of the peer are remembered.
const prevRemotes = 8

const (
	hasCKs       = 1 << iota // a sending chain exists
	hasCKr                   // a receiving chain exists
	needSendStep             // the next Seal makes a new ratchet key first
)

var errSession = errors.New("session")

func newSession(me *IdentityPrivate, remote IdentityPublic, initiator bool) *Session {
	s := &Session{me: me, remote: remote, initiator: initiator}
	a, b := me.pub.ed, remote.ed
	if !initiator {
		a, b = b, a
	}
	copy(s.ad[:32], a[:])
	copy(s.ad[32:], b[:])
	return s
}

// Remote returns the friend's identity, pinned when the session was made.
func (s *Session) Remote() IdentityPublic { return s.remote }

// Local returns our identity.
func (s *Session) Local() IdentityPublic { return s.me.pub }

// Initiator reports whether we sent the friend request of this session.
func (s *Session) Initiator() bool { return s.initiator }

// Clone returns an independent deep copy of s (ratchet state and skipped
// message keys; the identity is shared, it is immutable). Sealing or opening
// with one never affects the other, so a caller can keep a live session
// across vault transactions and roll back to a clone when a transaction
// fails. Like every Session method, it must not run concurrently with Seal
// or Open on s. The copies' secrets are as sensitive as the original's.
func (s *Session) Clone() *Session {
	c := *s
	c.skipped = s.skipped.clone()
	return &c
}

// Seal encrypts, pads and signs plaintext as a KindMessage envelope for the
// friend. rand supplies each message's salt and, when the conversation
// turns, the new ratchet key. On error the session is unchanged.
func (s *Session) Seal(rand io.Reader, plaintext []byte) ([]byte, error) {
	r := s.r
	buf, err := s.sealUnsigned(&r, rand, plaintext)
	if err != nil {
		return nil, err
	}
	s.r = r
	return appendSignature(buf, s.me.signEnvelope(buf)), nil
}

// SealAll is Seal of each plaintext in turn, with the signatures, the
// dearest part, computed by run: run(n, fn) must call fn(0) … fn(n-1), in
// any order and on any goroutines, and return when all have returned (nil
// runs them in turn; this package starts no goroutines). The envelopes are
// those that successive Seal calls with the same rand would return. On
// error the session is unchanged and nothing is returned.
func (s *Session) SealAll(rand io.Reader, plaintexts [][]byte, run func(n int, fn func(i int))) ([][]byte, error) {
	r := s.r
	out := make([][]byte, len(plaintexts))
	for i, pt := range plaintexts {
		buf, err := s.sealUnsigned(&r, rand, pt)
		if err != nil {
			return nil, err
		}
		out[i] = buf
	}
	sign := func(i int) { out[i] = appendSignature(out[i], s.me.signEnvelope(out[i])) }
	if run == nil {
		for i := range out {
			sign(i)
		}
	} else {
		run(len(out), sign)
	}
	s.r = r
	return out, nil
}

// sealUnsigned advances r by one message and returns the envelope for
// plaintext up to its signature, with room for the signature.
func (s *Session) sealUnsigned(r *ratchet, rand io.Reader, plaintext []byte) ([]byte, error) {
	if len(plaintext) > MaxPlaintextSize {
		return nil, fmt.Errorf("seal: %d bytes: %w", len(plaintext), ErrTooLarge)
	}
	if r.flags&needSendStep != 0 {
		if err := r.sendStep(rand); err != nil {
			return nil, fmt.Errorf("seal: %w", err)
		}
	}
	if r.flags&hasCKs == 0 || r.ns == math.MaxUint32 {
		return nil, fmt.Errorf("seal: no sending chain: %w", errSession)
	}
	h := header{dh: r.dhPub, pn: r.pn, n: r.ns}
	if _, err := io.ReadFull(rand, h.salt[:]); err != nil {
		return nil, fmt.Errorf("seal: salt: %w", err)
	}
	mk, next := kdfCK(&r.cks)
	r.cks, r.ns = next, r.ns+1
	out := s.sealEnvelope(&mk, &h, plaintext)
	clear(mk[:])
	return out, nil
}

// sealEnvelope builds the envelope in one buffer, up to its signature
// (appendSignature adds it: a signature over a digest of every byte before
// it, see signEnvelope).
func (s *Session) sealEnvelope(mk *[32]byte, h *header, plaintext []byte) []byte {
	var hbuf [maxHeaderLen]byte
	hb := appendHeader(hbuf[:0], h)
	ctLen := paddedLen(len(plaintext)) + messageOverhead
	buf := make([]byte, 0, envelopeOverhead+len(hb)+ctLen)
	buf = appendEnvelopeHead(buf, KindMessage, s.me.pub.ed[:], hb)
	buf = appendCiphertextTag(buf, ctLen)
	padded := getScratch(ctLen)
	*padded = pad(*padded, plaintext)
	buf = sealMessage(buf, mk, &s.ad, hb, *padded)
	putScratch(padded)
	return buf
}

// envelopeOverhead is the envelope's size beyond header and ciphertext.
const envelopeOverhead = 2 + 2 + 2 + ed25519.PublicKeySize + 2 + 4 + 2 + ed25519.SignatureSize

// sendStep is the sending half of a DH ratchet step: a new ratchet key and a
// new sending chain.
func (r *ratchet) sendStep(rand io.Reader) error {
	var priv [32]byte
	if _, err := io.ReadFull(rand, priv[:]); err != nil {
		return fmt.Errorf("ratchet key: %w", err)
	}
	pub, err := curve25519.X25519(priv[:], curve25519.Basepoint)
	if err != nil {
		return fmt.Errorf("ratchet key: %w", err)
	}
	out, err := curve25519.X25519(priv[:], r.dhRemote[:])
	if err != nil {
		return fmt.Errorf("ratchet step: %w", err)
	}
	r.rk, r.cks = kdfRK(&r.rk, out)
	clear(out)
	r.dhPriv = priv
	copy(r.dhPub[:], pub)
	r.pn, r.ns = r.ns, 0
	r.flags = r.flags&^needSendStep | hasCKs
	clear(priv[:])
	return nil
}

// recvStep is the receiving half of a DH ratchet step for the peer's new
// ratchet key dh. curve25519.X25519 rejects low-order and all-zero keys.
func (r *ratchet) recvStep(dh *[32]byte) error {
	out, err := curve25519.X25519(r.dhPriv[:], dh[:])
	if err != nil {
		return err
	}
	r.rk, r.ckr = kdfRK(&r.rk, out)
	clear(out)
	copy(r.prev[:], r.prev[1:])
	r.prev[prevRemotes-1] = r.dhRemote
	r.dhRemote = *dh
	r.nr = 0
	r.step++
	r.flags |= hasCKr | needSendStep
	return nil
}

// skipTo derives and collects the message keys of the receiving chain up to
// (not including) message number until.
func (r *ratchet) skipTo(skips []pendingSkip, until uint32) []pendingSkip {
	for r.nr < until {
		mk, next := kdfCK(&r.ckr)
		skips = append(skips, pendingSkip{key: skipKey{dh: r.dhRemote, n: r.nr}, skipEntry: skipEntry{mk: mk, step: r.step}})
		r.ckr = next
		r.nr++
	}
	return skips
}

// Open verifies and decrypts a KindMessage envelope from the friend. Every
// failure returns ErrDecrypt and leaves the session unchanged: the signature
// is checked against the pinned key first, counters are bounded before any
// key is derived, and the new state is committed only after the ciphertext
// authenticated.
func (s *Session) Open(envelope []byte) ([]byte, error) {
	pt, err := s.open(envelope)
	if err != nil {
		return nil, ErrDecrypt
	}
	return pt, nil
}

func (s *Session) open(b []byte) ([]byte, error) {
	e, err := parseEnvelope(b)
	if err != nil {
		return nil, err
	}
	if e.kind != KindMessage || !bytes.Equal(e.sender, s.remote.ed[:]) ||
		!verifyEnvelope(&e, VerifyEd25519) {
		return nil, errSession
	}
	return s.openParsed(&e)
}

// Checked is a message envelope whose signature VerifyMessage has checked
// against the sender key the envelope names. It lets the signature check,
// the dearest step of Open, run before and outside the transaction that
// opens the envelope, and for many envelopes in parallel. The zero value
// is not checked. It refers to the bytes given to VerifyMessage, which must
// not change until the envelope is opened.
type Checked struct {
	e  envelope
	ok bool
}

// VerifyMessage parses a KindMessage envelope and checks its signature by
// the sender key it carries. It reads no session and changes nothing: the
// sender is authenticated, but whether it is a friend is for OpenChecked
// (which compares it with the pinned key) and for the caller to decide.
// Every failure returns ErrDecrypt.
func VerifyMessage(b []byte) (Checked, error) {
	return checkMessage(b, VerifyEd25519)
}

// OpenChecked is Open for an envelope that VerifyMessage accepted: every
// check of Open except the signature, which is not computed twice. An
// envelope signed by anyone but the pinned friend returns ErrDecrypt and
// leaves the session unchanged, as Open does.
func (s *Session) OpenChecked(c *Checked) ([]byte, error) {
	if !c.ok || !bytes.Equal(c.e.sender, s.remote.ed[:]) {
		return nil, ErrDecrypt
	}
	pt, err := s.openParsed(&c.e)
	if err != nil {
		return nil, ErrDecrypt
	}
	return pt, nil
}

// openParsed opens a parsed KindMessage envelope whose signature by the
// pinned friend has been verified.
func (s *Session) openParsed(e *envelope) ([]byte, error) {
	h, ok := parseHeader(e.header)
	if !ok {
		return nil, errSession
	}
	k := skipKey{dh: h.dh, n: h.n}
	if mk, ok := s.skipped.get(k); ok {
		pt, ok := s.decrypt(&mk, e)
		clear(mk[:])
		if !ok {
			return nil, errSession
		}
		s.skipped.remove(k)
		return pt, nil
	}
	return s.openInChain(e, &h)
}

// openInChain opens a message of the current or of a new receiving chain.
func (s *Session) openInChain(e *envelope, h *header) ([]byte, error) {
	r := s.r
	if !r.withinBounds(h) {
		return nil, errSession
	}
	var skips []pendingSkip
	defer func() { zeroSkips(skips) }()
	if h.dh != r.dhRemote {
		if r.flags&hasCKr != 0 {
			skips = r.skipTo(skips, h.pn)
		}
		if err := r.recvStep(&h.dh); err != nil {
			return nil, err
		}
	}
	skips = r.skipTo(skips, h.n)
	mk, next := kdfCK(&r.ckr)
	r.ckr, r.nr = next, h.n+1
	pt, ok := s.decrypt(&mk, e)
	clear(mk[:])
	if !ok {
		return nil, errSession
	}
	s.r = r
	s.skipped.add(skips, r.step)
	return pt, nil
}

// withinBounds checks, before anything is derived, that h asks for at most
// MaxSkip skipped keys per chain and is not an old or replayed message.
func (r *ratchet) withinBounds(h *header) bool {
	if h.n == math.MaxUint32 {
		return false
	}
	if h.dh != r.dhRemote {
		for i := range r.prev {
			if h.dh == r.prev[i] {
				return false
			}
		}
		if r.flags&hasCKr != 0 && h.pn > r.nr && h.pn-r.nr > MaxSkip {
			return false
		}
		return h.n <= MaxSkip
	}
	return r.flags&hasCKr != 0 && h.n >= r.nr && h.n-r.nr <= MaxSkip
}

// decrypt opens the ciphertext with message key mk and strips the padding.
func (s *Session) decrypt(mk *[32]byte, e *envelope) ([]byte, bool) {
	padded, ok := openMessage(e.version, mk, &s.ad, e.header, e.ciphertext)
	if !ok {
		return nil, false
	}
	return unpad(padded)
}
