package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/parley-chat/parley/app/e2e"
)

// The design floor of one online delivery (row 2.floor): what 2.deliver's
// goal row times, from alice's Send returning to the ack back at alice,
// with only the work the design requires in between and nothing else (no
// app, no framing helper, no event stream, no ratchet, no hand-offs):
//
//   - one request/response on one persistent libp2p stream between two bare
//     in-process hosts on loopback (TCP+Noise+yamux, as base.rtt);
//   - the request is an envelope-sized payload signed as app/e2e signs a
//     version 2 envelope (Ed25519 over a label and a SHA-256 digest); the
//     signing is left out of the time, as Send does it before 2.deliver's
//     clock starts;
//   - the receiver hashes and verifies the signature, seals the five
//     records the vault writes for a received text (XChaCha20-Poly1305, as
//     vault/seal.go) and commits them in one synced transaction of an
//     encrypted Badger DB with the vault's options, then acks.
//
// The baseline (base.rtt + base.fsync: a 64 B echo and a synced
// default Badger txn of one value) leaves the verification and four of the
// records out; this floor is what the design cannot go below.

const deliverProto = protocol.ID("/parley-bench/deliver/1")

// Signature labels in the style of app/e2e's (its own are unexported).
const (
	floorDigestLabel = "parley-bench/v1/envelope-digest"
	floorSignedLabel = "parley-bench/v1/envelope-signed"
)

// ackSize is the receiver's answer: length prefix and 16 bytes of the
// envelope's digest (what a receipt names the message by).
const ackSize = 4 + 16

// deliverRecords are the plaintext sizes of the records bob's vault
// commits for one received 100 B text, in one transaction.
var deliverRecords = []struct {
	name string
	size int
}{{"message", 250}, {"index", 100}, {"contact", 490}, {"session", 600}, {"seen", 60}}

// floorSigInput is the Ed25519 message of an envelope: the signed label
// and SHA-256(digest label || body), as app/e2e/sign.go builds it.
func floorSigInput(body []byte) ([]byte, [sha256.Size]byte) {
	h := sha256.New()
	h.Write([]byte(floorDigestLabel))
	h.Write(body)
	var d [sha256.Size]byte
	h.Sum(d[:0])
	return append([]byte(floorSignedLabel), d[:]...), d
}

// floorReceiver is bob in the design floor. Its stream handler's goroutine
// is the only user of db, seq and the records; the handler serves one
// stream.
type floorReceiver struct {
	db      *badger.DB
	ar      *atRest
	sender  ed25519.PublicKey
	conv    string   // alice's peer ID, the conversation in keys
	plain   [][]byte // record plaintexts, deliverRecords' sizes
	seq     uint64
	started atomic.Bool
	done    chan struct{} // closed when the handler returns
	errs    chan error    // the handler's failure, for the requester

	mu            sync.Mutex // guards verify and store
	verify, store latencies
}

func newFloorReceiver(db *badger.DB, sender ed25519.PublicKey) (*floorReceiver, error) {
	ar, err := newAtRest()
	if err != nil {
		return nil, err
	}
	r := &floorReceiver{db: db, ar: ar, sender: sender, conv: strings.Repeat("a", peerIDLen),
		done: make(chan struct{}), errs: make(chan error, 1)}
	for _, rec := range deliverRecords {
		r.plain = append(r.plain, randomBytes(rec.size))
	}
	return r, nil
}

// handle serves length-prefixed envelopes until the stream ends.
func (r *floorReceiver) handle(s network.Stream) {
	if !r.started.CompareAndSwap(false, true) {
		s.Reset()
		return
	}
	defer close(r.done)
	defer s.Close()
	var hdr [4]byte
	buf := make([]byte, 0, envelopeSize)
	for {
		if _, err := io.ReadFull(s, hdr[:]); err != nil {
			return
		}
		n := int(binary.BigEndian.Uint32(hdr[:]))
		if n <= ed25519.SignatureSize || n > 1<<20 {
			r.fail(s, fmt.Errorf("bad frame of %d bytes", n))
			return
		}
		buf = append(buf[:0], make([]byte, n)...)
		if _, err := io.ReadFull(s, buf); err != nil {
			return
		}
		ack, err := r.deliver(buf)
		if err != nil {
			r.fail(s, err)
			return
		}
		if _, err := s.Write(ack); err != nil {
			return
		}
	}
}

func (r *floorReceiver) fail(s network.Stream, err error) {
	select {
	case r.errs <- err:
	default:
	}
	s.Reset()
}

// deliver verifies env and commits its records; it returns the ack.
func (r *floorReceiver) deliver(env []byte) ([]byte, error) {
	t0 := time.Now()
	body, sig := env[:len(env)-ed25519.SignatureSize], env[len(env)-ed25519.SignatureSize:]
	msg, digest := floorSigInput(body)
	if !e2e.VerifyEd25519(r.sender, msg, sig) {
		return nil, errors.New("envelope signature does not verify")
	}
	t1 := time.Now()
	if err := r.commit(digest[:16]); err != nil {
		return nil, fmt.Errorf("synced commit: %w", err)
	}
	t2 := time.Now()
	r.mu.Lock()
	r.verify, r.store = append(r.verify, t1.Sub(t0)), append(r.store, t2.Sub(t1))
	r.mu.Unlock()
	ack := make([]byte, ackSize)
	binary.BigEndian.PutUint32(ack, ackSize-4)
	copy(ack[4:], digest[:16])
	return ack, nil
}

// commit seals the five records under keys shaped like the vault's (see
// vault/keys.go: the message and its index and seen entry are new keys,
// the contact and session are rewritten) and writes them in one synced
// transaction.
func (r *floorReceiver) commit(id []byte) error {
	r.seq++
	hexID := fmt.Appendf(nil, "%x", id)
	conv := append(binary.BigEndian.AppendUint16(nil, uint16(len(r.conv))), r.conv...)
	keys := [][]byte{
		slices.Concat([]byte("h/"), conv, binary.BigEndian.AppendUint64(nil, r.seq), hexID),
		slices.Concat([]byte("hi/"), conv, hexID),
		slices.Concat([]byte("c/"), []byte(r.conv)),
		slices.Concat([]byte("s/"), []byte(r.conv)),
		slices.Concat([]byte("x/"), conv, hexID),
	}
	return r.db.Update(func(txn *badger.Txn) error {
		for i, k := range keys {
			if err := txn.Set(k, r.ar.seal(k, r.plain[i])); err != nil {
				return err
			}
		}
		return nil
	})
}

// sealedBytes is what one delivery stores, sealed.
func (r *floorReceiver) sealedBytes() int {
	n := 0
	for _, p := range r.plain {
		n += len(r.ar.seal(nil, p))
	}
	return n
}

// floorSender is alice: one open stream to bob and her signing key.
type floorSender struct {
	s     network.Stream
	key   ed25519.PrivateKey
	frame []byte // length || body || signature
	reply []byte
	want  []byte // the ack the next round trip expects
	errs  <-chan error
}

// sign makes the next envelope: a fresh body, signed.
func (f *floorSender) sign() {
	n := len(f.frame) - 4
	body := f.frame[4 : 4+n-ed25519.SignatureSize]
	rand.Read(body[:32]) // a new ratchet header, so each digest differs
	msg, digest := floorSigInput(body)
	copy(f.frame[4+len(body):], ed25519.Sign(f.key, msg))
	f.want = digest[:16]
}

// roundTrip sends the signed envelope and waits for its ack.
func (f *floorSender) roundTrip() error {
	if err := f.s.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return fmt.Errorf("deadline: %w", err)
	}
	if _, err := f.s.Write(f.frame); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	if _, err := io.ReadFull(f.s, f.reply); err != nil {
		select {
		case herr := <-f.errs:
			return fmt.Errorf("receiver: %w", herr)
		default:
			return fmt.Errorf("read ack: %w", err)
		}
	}
	if string(f.reply[4:]) != string(f.want) {
		return errors.New("ack names another envelope")
	}
	return nil
}

// deliverFloor is the measured floor: round trips and the receiver's parts.
type deliverFloor struct {
	total, verify, store latencies
	sealedBytes          int
}

// deliverFloorWorld is the floor's two hosts, stream and DB.
type deliverFloorWorld struct {
	a, b host.Host
	recv *floorReceiver
	send *floorSender
	db   *badger.DB
}

func newDeliverFloorWorld(ctx context.Context, dir string) (*deliverFloorWorld, error) {
	w := &deliverFloorWorld{}
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	if w.db, err = openFloorBadger(dir); err != nil {
		return nil, err
	}
	if w.recv, err = newFloorReceiver(w.db, pub); err != nil {
		w.Close()
		return nil, err
	}
	if err := w.connect(ctx); err != nil {
		w.Close()
		return nil, err
	}
	s, err := w.a.NewStream(ctx, w.b.ID(), deliverProto)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open stream: %w", err)
	}
	w.send = &floorSender{s: s, key: key, frame: make([]byte, 4+envelopeSize), reply: make([]byte, ackSize), errs: w.recv.errs}
	binary.BigEndian.PutUint32(w.send.frame, envelopeSize)
	rand.Read(w.send.frame[4:])
	return w, nil
}

// connect starts the two bare hosts, bob serving the floor's protocol.
func (w *deliverFloorWorld) connect(ctx context.Context) error {
	var err error
	if w.a, err = bareHost(); err != nil {
		return err
	}
	if w.b, err = bareHost(); err != nil {
		return err
	}
	w.b.SetStreamHandler(deliverProto, w.recv.handle)
	if err := w.a.Connect(ctx, peer.AddrInfo{ID: w.b.ID(), Addrs: w.b.Addrs()}); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	return nil
}

// Close ends the stream, waits for bob's handler to return (it is the DB's
// user), then closes the hosts and the DB.
func (w *deliverFloorWorld) Close() {
	if w.send != nil {
		w.send.s.Close()
		if w.recv.started.Load() {
			select {
			case <-w.recv.done:
			case <-time.After(5 * time.Second):
			}
		}
	}
	for _, h := range []host.Host{w.a, w.b} {
		if h != nil {
			h.Close()
		}
	}
	w.db.Close()
}

// measureDeliverFloor measures row 2.floor in a fresh Badger DB under
// e.tmp, removed afterwards.
func measureDeliverFloor(e *env) (deliverFloor, error) {
	dir := filepath.Join(e.tmp, "floor-deliver")
	defer os.RemoveAll(dir)
	w, err := newDeliverFloorWorld(e.ctx, dir)
	if err != nil {
		return deliverFloor{}, err
	}
	defer w.Close()
	p := e.plan(plan{warmup: 20, rounds: 3, perRound: 200, maxRound: 300 * time.Millisecond},
		plan{warmup: 100, rounds: 5, perRound: 1000, maxRound: 1500 * time.Millisecond})
	total, err := measureTimed(p, func() (time.Duration, error) {
		w.send.sign()
		start := time.Now()
		err := w.send.roundTrip()
		return time.Since(start), err
	})
	if err != nil {
		return deliverFloor{}, err
	}
	w.recv.mu.Lock()
	defer w.recv.mu.Unlock()
	f := deliverFloor{total: total, verify: w.recv.verify, store: w.recv.store, sealedBytes: w.recv.sealedBytes()}
	slices.Sort(f.verify)
	slices.Sort(f.store)
	return f, nil
}

// deliverFloorRow is row 2.floor; base is the baseline of
// 2.deliver (base.rtt + base.fsync), 0 if not measured.
func deliverFloorRow(f deliverFloor, err error, base time.Duration) Result {
	figure := fmt.Sprintf("design floor of 2.deliver: %d B signed envelope → Ed25519 verify + %d sealed records in one synced txn (vault's Badger) → ack, one libp2p stream",
		envelopeSize, len(deliverRecords))
	if err != nil {
		return notMeasured("2.floor", figure, "", err.Error())
	}
	r := latRow("2.floor", figure, "µs", f.total, us)
	plain := 0
	names := make([]string, len(deliverRecords))
	for i, rec := range deliverRecords {
		plain += rec.size
		names[i] = fmt.Sprintf("%s %d", rec.name, rec.size)
	}
	r.Note = fmt.Sprintf("receiver p50/p99 µs: SHA-256 + Ed25519 verify %.0f/%.0f, seal + synced commit %.0f/%.0f; records (B): %s = %d B plain, %d B sealed; "+
		"signing is outside the time (Send does it before 2.deliver's clock starts)",
		us(f.verify.p50()), us(f.verify.p99()), us(f.store.p50()), us(f.store.p99()), strings.Join(names, ", "), plain, f.sealedBytes)
	if base > 0 {
		r.Note += fmt.Sprintf("; %.2f× the issue's baseline rtt+fsync (%.0f µs)", us(f.total.p50())/us(base), us(base))
	}
	return r
}
