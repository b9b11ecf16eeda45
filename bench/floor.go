package main

import (
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
	"golang.org/x/crypto/chacha20poly1305"
	"google.golang.org/protobuf/proto"

	"github.com/parley-chat/parley/app"
	"github.com/parley-chat/parley/vault"
)

// The CPU floor of one text message (rows 8.floor and 3.floor): only the
// work the design requires, driven from one goroutine with nothing in
// between (no hand-offs but Badger's own, no framing, no other records),
// each part in its own bounded loop:
//
//  1. e2e: app.Content encoded as the app does, Session.Seal (pad, encrypt,
//     sign), the app.Packet around it; the receiver decodes it, Session.Open
//     (verify, decrypt), decodes the Content;
//  2. transport: ChaCha20-Poly1305 seal + open of the packet in Noise-sized
//     messages, once (what the libp2p Noise channel does);
//  3. at rest: XChaCha20-Poly1305 seal of each stored record, as vault/seal.go
//     does (random 24-byte nonce, key as associated data);
//  4. storage: synced transactions of those sealed records in an encrypted
//     Badger DB with the vault's options, group-committed (a transaction has
//     a fixed cost, msync and wake-ups, that a burst of messages shares).
//
// The records are vault's record protos: the sender's outbox item (the
// packet) and message, the receiver's message and seen-ID record. Omitted,
// so the floor stays a lower bound: the ratchet state and contact written
// with each commit, the outbox delete after the ack, the second vault's own
// commit (both sides share one transaction here), the ack.

// noiseMaxPlain is the largest plaintext of one Noise transport message
// (65535 bytes with the 16-byte tag).
const noiseMaxPlain = 65535 - chacha20poly1305.Overhead

// peerIDLen is the length of an Ed25519 libp2p peer ID string (12D3KooW…).
const peerIDLen = 52

// floorMsg is one text message as the app builds it, between a real friend
// pair, with the records both vaults store for it.
type floorMsg struct {
	pair    *e2ePair
	content *app.Content
	packet  []byte   // app.Packet with the sealed envelope: what travels
	records [][]byte // plaintext records at rest, both sides
}

// newFloorMsg makes a friend pair and one text of textBytes, sealed once
// to learn the packet's size, and encodes its four records.
func newFloorMsg(textBytes int) (*floorMsg, error) {
	pair, err := newE2EPair()
	if err != nil {
		return nil, fmt.Errorf("e2e pair: %w", err)
	}
	id := fmt.Sprintf("%032x", randomBytes(16))
	m := &floorMsg{pair: pair, content: &app.Content{Id: id, SentAt: time.Now().UnixNano(), Kind: app.Kind_KIND_TEXT, Text: appText(textBytes, 1)}}
	if m.packet, err = m.sealOpen(); err != nil {
		return nil, err
	}
	alice, bob := strings.Repeat("a", peerIDLen), strings.Repeat("b", peerIDLen)
	now := m.content.SentAt
	recs := []proto.Message{
		&vault.OutboxRecord{Id: id, To: bob, Kind: "text", Payload: m.packet, CreatedAt: now},
		&vault.MessageRecord{Id: id, Conv: bob, From: alice, Outgoing: true, Text: m.content.Text, SentAt: now, Status: "queued"},
		&vault.MessageRecord{Id: id, Conv: alice, From: alice, Text: m.content.Text, SentAt: now, Status: "received"},
		&vault.SeenRecord{Expires: now + int64(30*24*time.Hour)},
	}
	for _, r := range recs {
		b, err := proto.Marshal(r)
		if err != nil {
			return nil, fmt.Errorf("marshal record: %w", err)
		}
		m.records = append(m.records, b)
	}
	return m, nil
}

// sealOpen is part 1: alice seals the message into a packet, bob opens it.
func (m *floorMsg) sealOpen() ([]byte, error) {
	plain, err := proto.Marshal(m.content)
	if err != nil {
		return nil, fmt.Errorf("marshal content: %w", err)
	}
	env, err := m.pair.alice.Seal(rand.Reader, plain)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	pkt, err := proto.Marshal(&app.Packet{Body: &app.Packet_Envelope{Envelope: env}, MessageId: m.content.Id})
	if err != nil {
		return nil, fmt.Errorf("marshal packet: %w", err)
	}
	var got app.Packet
	if err := proto.Unmarshal(pkt, &got); err != nil {
		return nil, fmt.Errorf("unmarshal packet: %w", err)
	}
	opened, err := m.pair.bob.Open(got.GetEnvelope())
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	var ct app.Content
	if err := proto.Unmarshal(opened, &ct); err != nil {
		return nil, fmt.Errorf("unmarshal content: %w", err)
	}
	if len(ct.Text) != len(m.content.Text) {
		return nil, errors.New("opened text differs")
	}
	return pkt, nil
}

// noiseChannel is one direction of a Noise transport: ChaCha20-Poly1305
// with a counter nonce.
type noiseChannel struct {
	aead cipher.AEAD
	n    uint64
	buf  []byte
}

func newNoiseChannel() (*noiseChannel, error) {
	aead, err := chacha20poly1305.New(randomBytes(chacha20poly1305.KeySize))
	if err != nil {
		return nil, fmt.Errorf("transport cipher: %w", err)
	}
	return &noiseChannel{aead: aead, buf: make([]byte, 0, noiseMaxPlain+chacha20poly1305.Overhead)}, nil
}

// roundTrip is part 2: seal msg in Noise-sized messages and open each.
func (c *noiseChannel) roundTrip(msg []byte) error {
	var nonce [chacha20poly1305.NonceSize]byte
	for off := 0; off < len(msg); off += noiseMaxPlain {
		binary.LittleEndian.PutUint64(nonce[4:], c.n)
		c.n++
		ct := c.aead.Seal(c.buf[:0], nonce[:], msg[off:min(off+noiseMaxPlain, len(msg))], nil)
		if _, err := c.aead.Open(ct[:0], nonce[:], ct, nil); err != nil {
			return fmt.Errorf("transport open: %w", err)
		}
	}
	return nil
}

// atRest is part 3: vault/seal.go's record sealing.
type atRest struct{ aead cipher.AEAD }

func newAtRest() (*atRest, error) {
	aead, err := chacha20poly1305.NewX(randomBytes(chacha20poly1305.KeySize))
	if err != nil {
		return nil, fmt.Errorf("record cipher: %w", err)
	}
	return &atRest{aead: aead}, nil
}

// seal returns version || random nonce || ciphertext+tag, key as AD.
func (a *atRest) seal(key, plain []byte) []byte {
	out := make([]byte, 1+chacha20poly1305.NonceSizeX, 1+chacha20poly1305.NonceSizeX+len(plain)+chacha20poly1305.Overhead)
	out[0] = 1
	rand.Read(out[1:])
	return a.aead.Seal(out, out[1:], plain, append([]byte{1}, key...))
}

// sealAll seals every record of m under keys the size of the vault's.
func (a *atRest) sealAll(m *floorMsg, key []byte) [][]byte {
	out := make([][]byte, len(m.records))
	for i, r := range m.records {
		out[i] = a.seal(key, r)
	}
	return out
}

// openFloorBadger opens Badger as vault/badger.go does: encrypted, synced,
// uncompressed, values above 4 KiB in the value log.
func openFloorBadger(dir string) (*badger.DB, error) {
	opts := badger.DefaultOptions(dir).WithLogger(nil).WithSyncWrites(true).
		WithEncryptionKey(randomBytes(32)).WithIndexCacheSize(16 << 20).
		WithBlockCacheSize(32 << 20).WithMemTableSize(16 << 20).WithValueLogFileSize(64 << 20).
		WithCompression(options.None).WithValueThreshold(4 << 10).WithMetricsEnabled(false)
	db, err := badger.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("open badger: %w", err)
	}
	return db, nil
}

// storeTxn is part 4: one synced transaction of perTxn messages' records.
func storeTxn(db *badger.DB, sealed [][]byte, perTxn int, seq *uint64) error {
	return db.Update(func(txn *badger.Txn) error {
		for range perTxn {
			*seq++
			for i, v := range sealed {
				if err := txn.Set(seqKey(byte('a'+i), *seq), v); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// cost is the time one call of an operation took, on average.
type cost struct {
	cpu, wall time.Duration
	calls     int
}

// floorRounds is how many rounds each part of the floor is timed in; the
// cheapest counts.
const floorRounds = 5

// measureCPU calls op about n times in floorRounds rounds (each at least
// once, and until its share of limit has passed) after a short warm-up, on
// one locked OS thread, and returns the cheapest round's cost per call
// (the least disturbed by the machine's other load: the floor) with the
// total calls. cpu is that thread's CPU time when thread is set and the
// platform tells it (pure computation: other load and GC workers are not
// counted), else the whole process's (work Badger hands to its own
// goroutines).
func measureCPU(n int, limit time.Duration, thread bool, op func() error) (cost, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for i := 0; i < max(2, n/10); i++ {
		if err := op(); err != nil {
			return cost{}, fmt.Errorf("warm-up: %w", err)
		}
	}
	clock := processCPU
	if t := threadCPU(); thread && t > 0 {
		clock = threadCPU
	}
	var best cost
	for range floorRounds {
		c, err := timeCalls(max(1, n/floorRounds), limit/floorRounds, clock, op)
		if err != nil {
			return cost{}, err
		}
		if best.calls == 0 || c.cpu < best.cpu {
			best.cpu, best.wall = c.cpu, c.wall
		}
		best.calls += c.calls
	}
	return best, nil
}

// timeCalls is one round of measureCPU.
func timeCalls(n int, limit time.Duration, clock func() time.Duration, op func() error) (cost, error) {
	deadline := time.Now().Add(limit)
	cpu0, wall0 := clock(), time.Now()
	done := 0
	for ; done < n && (done == 0 || time.Now().Before(deadline)); done++ {
		if err := op(); err != nil {
			return cost{}, err
		}
	}
	per := func(d time.Duration) time.Duration { return d / time.Duration(done) }
	return cost{cpu: per(clock() - cpu0), wall: per(time.Since(wall0)), calls: done}, nil
}

// floor is the measured cost of the four parts, per message.
type floor struct {
	e2e, transport, atRest, store cost
	perTxn                        int
	recordBytes                   int  // sealed bytes stored per message
	single                        cost // storage at one message per txn, if measured
}

func (f floor) cpu() time.Duration {
	store := f.store.cpu
	if f.single.calls > 0 {
		store = min(store, f.single.cpu)
	}
	return f.e2e.cpu + f.transport.cpu + f.atRest.cpu + store
}

// floorPlan bounds each part's loop: calls and wall time for the three
// computing parts, then storage transactions and their wall time.
type floorPlan struct {
	calls     int
	limit     time.Duration
	txns      int
	txnLimit  time.Duration
	perTxn    int // messages per synced transaction (group commit)
	single    int // if > 0: also this many txns of one message, for the note
	textBytes int
}

// measureFloor measures the four parts for one message of p.textBytes in
// a fresh Badger DB under dir, removed afterwards.
func measureFloor(dir string, p floorPlan) (floor, error) {
	defer os.RemoveAll(dir)
	f := floor{perTxn: p.perTxn}
	m, err := newFloorMsg(p.textBytes)
	if err != nil {
		return f, err
	}
	ch, err := newNoiseChannel()
	if err != nil {
		return f, err
	}
	ar, err := newAtRest()
	if err != nil {
		return f, err
	}
	key := make([]byte, 80) // vault keys: prefix, conversation, time, ID
	if f.e2e, err = measureCPU(p.calls, p.limit, true, func() error { _, err := m.sealOpen(); return err }); err != nil {
		return f, fmt.Errorf("e2e: %w", err)
	}
	if f.transport, err = measureCPU(p.calls, p.limit, true, func() error { return ch.roundTrip(m.packet) }); err != nil {
		return f, fmt.Errorf("transport: %w", err)
	}
	var sealed [][]byte
	if f.atRest, err = measureCPU(p.calls, p.limit, true, func() error { sealed = ar.sealAll(m, key); return nil }); err != nil {
		return f, err
	}
	for _, s := range sealed {
		f.recordBytes += len(s)
	}
	if f.store, err = measureStore(filepath.Join(dir, "group"), sealed, p.txns, p.txnLimit, p.perTxn); err != nil {
		return f, err
	}
	if p.single > 0 {
		f.single, err = measureStore(filepath.Join(dir, "single"), sealed, p.single, p.txnLimit, 1)
	}
	return f, err
}

// measureStore times txns synced transactions of perTxn messages' sealed
// records in a fresh Badger DB in dir (removed afterwards), per message.
func measureStore(dir string, sealed [][]byte, txns int, limit time.Duration, perTxn int) (cost, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return cost{}, err
	}
	defer os.RemoveAll(dir)
	db, err := openFloorBadger(dir)
	if err != nil {
		return cost{}, err
	}
	defer db.Close()
	var seq uint64
	c, err := measureCPU(txns, limit, false, func() error { return storeTxn(db, sealed, perTxn, &seq) })
	if err != nil {
		return c, fmt.Errorf("synced write: %w", err)
	}
	c.cpu /= time.Duration(perTxn)
	c.wall /= time.Duration(perTxn)
	return c, nil
}
