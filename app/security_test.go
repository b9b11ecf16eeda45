package app

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/parley-chat/parley/app/e2e"
	"github.com/parley-chat/parley/p2p"
	"github.com/parley-chat/parley/vault"
)

// openIdle opens u's profile without running it (nothing is delivered).
func (u *testUser) openIdle() *Client {
	u.t.Helper()
	c, err := Open(u.t.Context(), Config{Dir: u.dir, Passphrase: testPass, Listen: []string{"/ip4/127.0.0.1/tcp/0"}, KDF: &vault.TestKDF, Timing: testTiming, DisableMDNS: true})
	if err != nil {
		u.t.Fatalf("Open(%s): %v", u.name, err)
	}
	return c
}

// sealedFor returns the packet alice's client queues for text to peer,
// taken from her outbox before anything is delivered.
func sealedFor(t *testing.T, alice *testUser, to PeerID, text string) (MsgID, []byte) {
	t.Helper()
	alice.close()
	c := alice.openIdle()
	id, err := c.Send(t.Context(), to, text)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	var payload []byte
	_ = c.v.View(func(tx *vault.Tx) error {
		it, err := tx.GetOutbox(string(id))
		payload = it.Payload
		return err
	})
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	alice.open()
	return id, payload
}

func countMessages(t *testing.T, c *Client, with PeerID, id MsgID) int {
	t.Helper()
	hist, err := c.History(t.Context(), with, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range hist {
		if m.ID == id {
			n++
		}
	}
	return n
}

// TestReplayDropped: the same envelope delivered again (directly, through
// the mailbox, after a restart of the receiver) is dropped idempotently.
func TestReplayDropped(t *testing.T) {
	node := startNode(t)
	alice, bob := newUser(t, "alice", node.addr), newUser(t, "bob", node.addr)
	befriend(t, alice, bob)
	id, packet := sealedFor(t, alice, bob.id(), "say it once")
	bob.wait("message", isArrived("say it once")) // alice's courier delivers the original

	for round := range 3 {
		if round == 2 {
			bob.restart()
		}
		v, err := bob.c.ingest("", [][]byte{packet})
		if err != nil || v[0] != Verdict_VERDICT_OK {
			t.Fatalf("replay %d: verdict %v, %v; want OK (already held)", round, v, err)
		}
		if n := countMessages(t, bob.c, alice.id(), id); n != 1 {
			t.Fatalf("replay %d: message stored %d times, want 1", round, n)
		}
	}
	// A replay never surfaces as a new event.
	select {
	case ev := <-bob.events:
		if m, ok := ev.(MessageArrived); ok && m.Msg.ID == id {
			t.Fatalf("replayed message surfaced again: %+v", m)
		}
	default:
	}
}

// strangerPacket is a validly signed message envelope from someone bob
// never befriended (they made a session with a third party).
func strangerPacket(t *testing.T, text string) []byte {
	t.Helper()
	s, _ := e2e.NewIdentity(rand.Reader)
	o, _ := e2e.NewIdentity(rand.Reader)
	sc, _ := e2e.NewCard(s, "mallory", nil, time.Now())
	oc, _ := e2e.NewCard(o, "other", nil, time.Now())
	sealed, pending, err := e2e.NewRequest(rand.Reader, s, sc, &oc.Card, "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	req, _ := e2e.OpenRequest(o, sealed)
	acc, _, err := e2e.Accept(rand.Reader, o, oc, req, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	_, sess, err := e2e.OpenAccept(s, pending, acc)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := proto.Marshal(&Content{Id: newID(time.Now()), SentAt: time.Now().UnixNano(), Kind: Kind_KIND_TEXT, Text: text})
	env, err := sess.Seal(rand.Reader, plain)
	if err != nil {
		t.Fatal(err)
	}
	return mustMarshal(&Packet{Body: &Packet_Envelope{Envelope: env}})
}

// TestStrangerNeverSurfaces: a stranger's envelope is refused from the
// mailbox and over a direct stream; nothing is stored or shown.
func TestStrangerNeverSurfaces(t *testing.T) {
	bob, carol := newUser(t, "bob"), newUser(t, "carol")
	packet := strangerPacket(t, "buy now")
	v, err := bob.c.ingest("", [][]byte{packet})
	if err != nil || v[0] != Verdict_VERDICT_REFUSED {
		t.Fatalf("mailbox stranger verdict = %v, %v; want REFUSED", v, err)
	}
	// Carol (a real peer, not a friend) sends it over /parley/msg/1.
	carol.c.host.Peerstore().AddAddrs(bob.c.host.ID(), bob.c.host.Addrs(), time.Minute)
	req, _ := proto.Marshal(&Batch{Packets: [][]byte{packet, carolsOwn(t, carol)}})
	resp, err := p2p.Call(t.Context(), carol.c.host, bob.c.host.ID(), p2p.ProtoMsg, req, maxAckBytes)
	if err != nil {
		t.Fatalf("direct call: %v", err)
	}
	var ack BatchAck
	if err := proto.Unmarshal(resp, &ack); err != nil || len(ack.Verdicts) != 2 || ack.Verdicts[0] != Verdict_VERDICT_REFUSED || ack.Verdicts[1] != Verdict_VERDICT_REFUSED {
		t.Fatalf("direct stranger verdicts = %v, %v; want both REFUSED", ack.Verdicts, err)
	}
	if bob.c.Dropped() < 3 {
		t.Errorf("Dropped() = %d, want ≥ 3", bob.c.Dropped())
	}
	for _, ct := range bob.c.Contacts() {
		t.Errorf("bob has a contact after stranger traffic: %+v", ct)
	}
	select {
	case ev := <-bob.events:
		if _, ok := ev.(MessageArrived); ok {
			t.Fatalf("stranger message surfaced: %+v", ev)
		}
	default:
	}
}

// carolsOwn is an envelope from carol's own identity but sealed in a
// session with someone else: signed by the right transport peer, still
// not a friend of bob.
func carolsOwn(t *testing.T, carol *testUser) []byte {
	t.Helper()
	return strangerPacket(t, "also not for bob")
}

// TestKeyChangeBlocksSending: a friend presenting another identity key (same
// peer ID, new X25519 key) is never accepted silently: KeyChanged, sending
// stops, the safety number changes, and TrustNewKey resumes.
func TestKeyChangeBlocksSending(t *testing.T) {
	node := startNode(t)
	alice, bob := newUser(t, "alice", node.addr), newUser(t, "bob", node.addr)
	befriend(t, alice, bob)
	aliceID := alice.id()
	before, err := bob.c.SafetyNumber(aliceID)
	if err != nil {
		t.Fatal(err)
	}
	alice.close()
	rekey(t, alice)
	alice.open()
	if _, err := alice.c.AddContact(t.Context(), bob.c.Me().Invite, "new phone"); !errors.Is(err, ErrAlreadyFriend) {
		// alice's own vault still knows bob; make her forget him to re-request.
		t.Logf("AddContact on the re-keyed profile: %v", err)
	}
	bob.wait("key change", func(ev Event) bool { k, ok := ev.(KeyChanged); return ok && k.Peer == aliceID })
	if _, err := bob.c.Send(t.Context(), aliceID, "are you still you?"); !errors.Is(err, ErrKeyChanged) {
		t.Fatalf("Send after key change = %v, want ErrKeyChanged", err)
	}
	after, err := bob.c.SafetyNumber(aliceID)
	if err != nil || after.Digits == before.Digits {
		t.Fatalf("safety number after key change = %q (%v), want different from %q", after.Digits, err, before.Digits)
	}
	for _, r := range bob.c.Requests() {
		t.Errorf("a key change shows as a new request: %+v", r)
	}
	if err := bob.c.TrustNewKey(t.Context(), aliceID); err != nil {
		t.Fatalf("TrustNewKey: %v", err)
	}
	alice.wait("accepted with the new key", func(ev Event) bool { _, ok := ev.(FriendAccepted); return ok })
	if _, err := bob.c.Send(t.Context(), aliceID, "welcome back"); err != nil {
		t.Fatalf("Send after trust: %v", err)
	}
	alice.wait("message after trust", isArrived("welcome back"))
}

// rekey replaces alice's X25519 identity key (same Ed25519 key, so the same
// peer ID), signs a new card and forgets bob, as a reinstalled device would.
func rekey(t *testing.T, u *testUser) {
	t.Helper()
	v, err := vault.Open(vaultDir(u.dir), testPass, vault.Options{KDF: vault.TestKDF})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	err = v.Update(func(tx *vault.Tx) error {
		p, err := tx.GetProfile()
		if err != nil {
			return err
		}
		blob := newX25519(t, p.IdentityKey)
		id, err := loadIdentity(blob)
		if err != nil {
			return err
		}
		p.IdentityKey = blob
		if p.Card, err = id.card(p.Name, p.Nodes, time.Now()); err != nil {
			return err
		}
		list, _ := tx.ListContacts()
		for _, c := range list {
			_ = tx.DeleteContact(c.PeerID)
			_ = tx.DeleteSession(c.PeerID)
		}
		return tx.PutProfile(p)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSanitize(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"alice", "alice"},
		{"al\u202Eice", "alice"},
		{"a\u200Bl\u200Dice", "alice"},
		{"  bob \n\t smith ", "bob smith"},
		{"\x00\x01", "unnamed"},
		{strings.Repeat("x", 500), strings.Repeat("x", MaxNameRunes)},
	} {
		if got := SanitizeName(tc.in); got != tc.want {
			t.Errorf("SanitizeName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := SanitizeText("hi\u202Ethere\n👩\u200D💻"); got != "hithere\n👩\u200D💻" {
		t.Errorf("SanitizeText kept or dropped the wrong runes: %q", got)
	}
	if got := SanitizeText(strings.Repeat("é", MaxTextBytes)); len(got) > MaxTextBytes {
		t.Errorf("SanitizeText length %d > %d", len(got), MaxTextBytes)
	}
}

func TestSendTooLong(t *testing.T) {
	alice := newUser(t, "alice")
	if _, err := alice.c.Send(t.Context(), "x", strings.Repeat("a", MaxTextBytes+1)); !errors.Is(err, ErrTooLong) {
		t.Fatalf("Send(64 KiB + 1) = %v, want ErrTooLong", err)
	}
}

// TestSubscribeResync: a subscriber that falls behind gets Resync and a
// closed channel; the core never blocks on it.
func TestSubscribeResync(t *testing.T) {
	h := newHub()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := h.subscribe(ctx, 4)
	for range 100 {
		h.emit(PresenceChanged{Peer: "p", Online: true})
	}
	n := 0
	var last Event
	for ev := range ch {
		n++
		last = ev
	}
	if _, ok := last.(Resync); !ok || n != 5 {
		t.Fatalf("got %d events ending in %T, want 4 then Resync", n, last)
	}
	ch2 := h.subscribe(ctx, 4)
	cancel()
	if _, ok := <-ch2; ok {
		t.Fatal("subscription not closed after its context ended")
	}
}

// newStrangerRequest is a friend request to bob from a fresh identity.
func newStrangerRequest(t *testing.T, bob *testUser) []byte {
	t.Helper()
	id, err := newIdentity()
	if err != nil {
		t.Fatal(err)
	}
	card, err := id.card("stranger", nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	me := bob.c.Me()
	ci, err := parseInviteCard(me.Invite)
	if err != nil {
		t.Fatal(err)
	}
	sealed, _, err := id.newRequest(ci, card, "let me in")
	if err != nil {
		t.Fatal(err)
	}
	return mustMarshal(&Packet{Body: &Packet_Request{Request: sealed}})
}

// newX25519 rewrites field 3 (the X25519 private key) of an encoded
// identity with a fresh random key; the Ed25519 seed stays.
func newX25519(t *testing.T, identity []byte) []byte {
	t.Helper()
	var out []byte
	for b := identity; len(b) > 0; {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			t.Fatal("bad identity encoding")
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			t.Fatal("bad identity encoding")
		}
		if num == 3 {
			k := make([]byte, 32)
			rand.Read(k)
			out = protowire.AppendTag(out, 3, protowire.BytesType)
			out = protowire.AppendBytes(out, k)
		} else {
			out = append(out, b[:n+m]...)
		}
		b = b[n+m:]
	}
	return out
}

// TestEnvelopeToAnotherFriendRejected (attack 8): carol's envelope for
// alice, handed to bob (also carol's friend), does not open in bob's session
// with carol and is refused; alice opens it.
func TestEnvelopeToAnotherFriendRejected(t *testing.T) {
	node := startNode(t)
	alice, bob, carol := newUser(t, "alice", node.addr), newUser(t, "bob", node.addr), newUser(t, "carol", node.addr)
	befriend(t, carol, alice)
	befriend(t, carol, bob)
	id, packet := sealedFor(t, carol, alice.id(), "for alice only")
	v, err := bob.c.ingest("", [][]byte{packet})
	if err != nil || v[0] != Verdict_VERDICT_REFUSED {
		t.Fatalf("bob's verdict on alice's envelope = %v, %v; want REFUSED", v, err)
	}
	if n := countMessages(t, bob.c, carol.id(), id); n != 0 {
		t.Fatalf("bob stored carol's message for alice")
	}
	alice.wait("alice gets it", isArrived("for alice only"))
}

// TestRequestReplayDropped (attack 1): a declined friend request replayed,
// also after a restart, does not come back.
func TestRequestReplayDropped(t *testing.T) {
	bob := newUser(t, "bob")
	packet := newStrangerRequest(t, bob)
	if v, err := bob.c.ingest("", [][]byte{packet}); err != nil || v[0] != Verdict_VERDICT_OK {
		t.Fatalf("request verdict = %v, %v", v, err)
	}
	reqs := bob.c.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	if err := bob.c.Decline(t.Context(), reqs[0].PeerID); err != nil {
		t.Fatal(err)
	}
	for round := range 2 {
		if round == 1 {
			bob.restart()
		}
		if _, err := bob.c.ingest("", [][]byte{packet}); err != nil {
			t.Fatal(err)
		}
		if n := len(bob.c.Requests()); n != 0 {
			t.Fatalf("round %d: replayed request is back (%d requests)", round, n)
		}
	}
}
