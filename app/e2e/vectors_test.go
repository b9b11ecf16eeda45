package e2e

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/chacha20poly1305"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors.json from the current code")

const vectorsFile = "testdata/vectors.json"

// vectorsV2File holds the vectors of the last version 2 build (message
// envelopes sealed with NaCl secretbox), as that build wrote them: envelopes
// of old builds must keep opening. TestVectorsDecode opens them; nothing
// regenerates them.
const vectorsV2File = "testdata/vectors_v2.json"

// vectorsHowMade is recorded in the file itself.
const vectorsHowMade = "Produced by TestVectors (go test ./app/e2e -run TestVectors -update) with the " +
	"deterministic reader detRand: the byte stream SHA-256(seed || uint64be(counter)), counter = 0, 1, ... " +
	"Each vector: alice and bob identities (NewIdentity, in that order), their cards (NewCard at " +
	"2026-11-25T12:00:00Z), alice's request to bob, bob's accept, then the message script, every " +
	"envelope opened by the other side as it is made (entries with \"late\" are opened after the next one). " +
	"Any change of these bytes is a wire-format change."

type hexBytes []byte

func (h hexBytes) MarshalText() ([]byte, error) { return []byte(hex.EncodeToString(h)), nil }
func (h *hexBytes) UnmarshalText(b []byte) error {
	d, err := hex.DecodeString(string(b))
	*h = d
	return err
}

type vectorMsg struct {
	From      string   `json:"from"`
	Plaintext string   `json:"plaintext"`
	Late      bool     `json:"late,omitempty"`
	Envelope  hexBytes `json:"envelope"`
	// Receiver is the receiving session just before it opened Envelope.
	Receiver hexBytes `json:"receiver"`
}

type vector struct {
	Seed          string      `json:"seed"`
	AliceIdentity hexBytes    `json:"alice_identity"`
	BobIdentity   hexBytes    `json:"bob_identity"`
	AliceCard     hexBytes    `json:"alice_card"`
	AliceInvite   string      `json:"alice_invite"`
	BobCard       hexBytes    `json:"bob_card"`
	SafetyNumber  string      `json:"safety_number"`
	SafetyQR      hexBytes    `json:"safety_qr"`
	Request       hexBytes    `json:"request"`
	AlicePending  hexBytes    `json:"alice_pending"`
	Accept        hexBytes    `json:"accept"`
	Messages      []vectorMsg `json:"messages"`
	AliceSession  hexBytes    `json:"alice_session"`
	BobSession    hexBytes    `json:"bob_session"`
}

type kdfVector struct {
	RootKey, DH, RootOut, ChainOut hexBytes
	Chain, MessageKey, NextChain   hexBytes
	AD, Header, SecretboxKey       hexBytes
	Nonce                          hexBytes
	// The version 3 cipher's key and nonce (ChaCha20-Poly1305).
	AEADKey   hexBytes `json:",omitempty"`
	AEADNonce hexBytes `json:",omitempty"`
}

type vectorFile struct {
	HowMade string    `json:"how_made"`
	KDF     kdfVector `json:"kdf"`
	Vectors []vector  `json:"vectors"`
}

var vectorScript = []vectorMsg{
	{From: "bob", Plaintext: "welcome, alice"},
	{From: "alice", Plaintext: "thanks!"},
	{From: "alice", Plaintext: "this one arrives late", Late: true},
	{From: "alice", Plaintext: "third"},
	{From: "bob", Plaintext: ""},
	{From: "bob", Plaintext: string(bytes.Repeat([]byte("x"), 300))},
	{From: "alice", Plaintext: "bye ✓"},
}

func makeKDFVector() kdfVector {
	var rk, ck, mk [32]byte
	var ad [64]byte
	for i := range rk {
		rk[i], ck[i], mk[i] = byte(i), byte(0x40+i), byte(0x80+i)
	}
	for i := range ad {
		ad[i] = byte(0xc0 + i)
	}
	dh := bytes.Repeat([]byte{0x55}, 32)
	root, chain := kdfRK(&rk, dh)
	m, next := kdfCK(&ck)
	h := appendHeader(nil, &header{dh: [32]byte{9}, pn: 3, n: 7})
	key, nonce := messageKeys(labelMessage, &mk, &ad, h)
	key3, nonce3 := messageKeys(labelMessageV3, &mk, &ad, h)
	return kdfVector{RootKey: rk[:], DH: dh, RootOut: root[:], ChainOut: chain[:], Chain: ck[:],
		MessageKey: m[:], NextChain: next[:], AD: ad[:], Header: h, SecretboxKey: key[:], Nonce: nonce[:],
		AEADKey: key3[:], AEADNonce: nonce3[:chacha20poly1305.NonceSize]}
}

func makeVector(t testing.TB, seed string) vector {
	t.Helper()
	rnd := newDetRand(seed)
	a, b := newParty(t, rnd, "alice"), newParty(t, rnd, "bob")
	v := vector{Seed: seed, AliceInvite: a.card.Invite()}
	v.AliceIdentity, _ = a.id.MarshalBinary()
	v.BobIdentity, _ = b.id.MarshalBinary()
	v.AliceCard, _ = a.card.MarshalBinary()
	v.BobCard, _ = b.card.MarshalBinary()
	sn := SafetyNumber(a.id.Public(), b.id.Public())
	v.SafetyNumber, v.SafetyQR = sn.String(), sn.QR()
	req, pending, err := NewRequest(rnd, a.id, a.card, &b.card.Card, "hi bob, it's alice", testTime)
	if err != nil {
		t.Fatal(err)
	}
	v.Request = req
	v.AlicePending, _ = pending.MarshalBinary()
	r, err := OpenRequest(b.id, req)
	if err != nil {
		t.Fatal(err)
	}
	acc, sb, err := Accept(rnd, b.id, b.card, r, testTime)
	if err != nil {
		t.Fatal(err)
	}
	v.Accept = acc
	_, sa, err := OpenAccept(a.id, pending, acc)
	if err != nil {
		t.Fatal(err)
	}
	v.Messages = playScript(t, rnd, sa, sb)
	v.AliceSession, _ = sa.MarshalBinary()
	v.BobSession, _ = sb.MarshalBinary()
	return v
}

// playScript seals the script's messages and opens each on the other side.
func playScript(t testing.TB, rnd *detRand, sa, sb *Session) []vectorMsg {
	var out []vectorMsg
	late := -1
	for _, m := range vectorScript {
		from, to := sa, sb
		if m.From == "bob" {
			from, to = sb, sa
		}
		m.Envelope = mustSeal(t, from, rnd, m.Plaintext)
		out = append(out, m)
		if m.Late {
			late = len(out) - 1
			continue
		}
		out[len(out)-1].Receiver, _ = to.MarshalBinary()
		mustOpen(t, to, m.Envelope, m.Plaintext)
		if late >= 0 {
			out[late].Receiver, _ = to.MarshalBinary()
			mustOpen(t, to, out[late].Envelope, out[late].Plaintext)
			late = -1
		}
	}
	return out
}

func makeVectorFile(t testing.TB) vectorFile {
	return vectorFile{HowMade: vectorsHowMade, KDF: makeKDFVector(),
		Vectors: []vector{makeVector(t, "parley-kat-1"), makeVector(t, "parley-kat-2")}}
}

// TestVectors regenerates the known-answer vectors and compares them with
// the pinned ones (or rewrites them with -update).
func TestVectors(t *testing.T) {
	got, err := json.MarshalIndent(makeVectorFile(t), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *update {
		if err := os.MkdirAll(filepath.Dir(vectorsFile), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(vectorsFile, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(vectorsFile)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("the code no longer produces %s: the wire format or a KDF changed. "+
			"If that is intended, bump the version and run go test -run TestVectors -update", vectorsFile)
	}
}

// TestVectorsDecode opens the pinned bytes with the pinned keys, without
// regenerating anything: the current vectors and those of version 2.
func TestVectorsDecode(t *testing.T) {
	for _, file := range []string{vectorsFile, vectorsV2File} {
		t.Run(filepath.Base(file), func(t *testing.T) { decodeVectors(t, loadVectorsFrom(t, file)) })
	}
}

// identities returns alice's and bob's identities of vector v.
func (v *vector) identities(t testing.TB) (alice, bob *IdentityPrivate) {
	t.Helper()
	alice, err := UnmarshalIdentity(v.AliceIdentity)
	if err != nil {
		t.Fatal(err)
	}
	bob, err = UnmarshalIdentity(v.BobIdentity)
	if err != nil {
		t.Fatal(err)
	}
	return alice, bob
}

func decodeVectors(t *testing.T, f vectorFile) {
	for _, v := range f.Vectors {
		a, b := v.identities(t)
		c, err := ParseInvite(v.AliceInvite)
		if err != nil || c.Identity != a.Public() {
			t.Fatalf("%s: ParseInvite: %v", v.Seed, err)
		}
		if sn := SafetyNumber(b.Public(), a.Public()); sn.String() != v.SafetyNumber || !sn.MatchQR(v.SafetyQR) {
			t.Fatalf("%s: safety number %s, want %s", v.Seed, sn, v.SafetyNumber)
		}
		if _, err := OpenRequest(b, v.Request); err != nil {
			t.Fatalf("%s: OpenRequest: %v", v.Seed, err)
		}
		pending, err := UnmarshalPendingRequest(a, v.AlicePending)
		if err != nil {
			t.Fatal(err)
		}
		_, sa, err := OpenAccept(a, pending, v.Accept)
		if err != nil {
			t.Fatalf("%s: OpenAccept: %v", v.Seed, err)
		}
		mustOpen(t, sa, v.Messages[0].Envelope, v.Messages[0].Plaintext)
		for _, m := range v.Messages {
			who := b
			if m.From == "bob" {
				who = a
			}
			s, err := UnmarshalSession(who, m.Receiver)
			if err != nil {
				t.Fatalf("%s: UnmarshalSession: %v", v.Seed, err)
			}
			mustOpen(t, s, m.Envelope, m.Plaintext)
		}
		if _, err := UnmarshalSession(b, v.BobSession); err != nil {
			t.Fatalf("%s: UnmarshalSession: %v", v.Seed, err)
		}
	}
}

func loadVectors(t testing.TB) vectorFile { return loadVectorsFrom(t, vectorsFile) }

func loadVectorsFrom(t testing.TB, file string) vectorFile {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var f vectorFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

// loadVectorsForFuzz returns the pinned vectors, or none if the file is
// missing (so that fuzz seeding never blocks -update).
func loadVectorsForFuzz(t testing.TB) []vector {
	if _, err := os.Stat(vectorsFile); err != nil {
		return nil
	}
	return loadVectors(t).Vectors
}
