package main

import (
	"bytes"
	"crypto/rand"
	"path/filepath"
	"testing"
	"time"

	lcrypto "github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/parley-chat/parley/app/e2e"
	"github.com/parley-chat/parley/internal/attack"
	"github.com/parley-chat/parley/vault"
)

// TestCardSubstitution (issue 6, item 7): the home node of alice and bob is
// malicious and answers RESOLVE @bob with a card of its own choosing.
//
//   - First contact: alice adds @bob and gets mallory (the operator's key
//     under the name "bob"). Parley cannot tell on its own (trust on first
//     use), but the safety number alice sees differs from the one bob and
//     alice share, so comparing it exposes the attack.
//   - Known contact: once alice and bob are friends (by invite), a card that
//     carries bob's peer ID with the operator's X25519 key (it cannot carry
//     bob's signature) is refused, and a card with the operator's own peer
//     ID becomes a separate stranger: bob's pinned key, safety number and
//     conversation stay as they were and sending to bob goes on.
//
// A key change presented over the wire by a known contact (KeyChanged,
// sending stops until trust) is covered in-process by app
// TestKeyChangeBlocksSending and ui TestKeyChangeWarning.
func TestCardSubstitution(t *testing.T) {
	bin := sharedBinary(t)
	root := t.TempDir()
	evil, err := attack.StartEvilNode(t.Context(), filepath.Join(root, "evil"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = evil.Close() })
	aliceDir, bobDir := filepath.Join(root, "alice"), filepath.Join(root, "bob")
	initProfile(t, bin, aliceDir, "alice", evil.Addr())
	initProfile(t, bin, bobDir, "bob", evil.Addr())
	alice, bob := startClient(t, bin, aliceDir, "alice"), startClient(t, bin, bobDir, "bob")
	aliceMe, bobMe := alice.ok("whoami", nil).(map[string]any), bob.ok("whoami", nil).(map[string]any)
	aliceID, bobID := str(aliceMe["peer_id"]), str(bobMe["peer_id"])
	bob.ok("claim", map[string]any{"username": "bob"})
	if evil.Claimed("bob") == nil {
		t.Fatal("bob's claim did not reach the node")
	}

	// The operator's own identity, presented as "bob".
	mallory, err := e2e.NewIdentity(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	mCard, err := e2e.NewCard(mallory, "bob", []string{evil.Addr()}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	mRaw, _ := mCard.MarshalBinary()
	mPeer := peerOfKey(t, mallory.Public().Ed25519())
	evil.Substitute("bob", mRaw, mPeer)

	// First contact through the lying directory.
	got := alice.ok("add", map[string]any{"username": "@bob", "greeting": "is this you?"}).(map[string]any)
	if got["peer_id"] == bobID || got["peer_id"] != mPeer.String() {
		t.Fatalf("add @bob = %v; want the substituted peer %s (bob is %s)", got["peer_id"], mPeer, bobID)
	}
	fake := alice.ok("safety_number", map[string]any{"with": mPeer.String()}).(map[string]any)["digits"]

	// The real friendship, by invite; both sides show the same number.
	alice.ok("add", map[string]any{"invite": bobMe["invite"], "greeting": "hi"})
	bob.waitEvent("friend_request", func(m map[string]any) bool { return m["peer_id"] == aliceID })
	bob.ok("accept", map[string]any{"peer_id": aliceID})
	alice.waitEvent("friend_accepted", func(m map[string]any) bool { return m["peer_id"] == bobID })
	exchange(t, alice, bob, aliceID, bobID, "genuine hello")
	real := alice.ok("safety_number", map[string]any{"with": bobID}).(map[string]any)["digits"]
	if bobSide := bob.ok("safety_number", map[string]any{"with": aliceID}).(map[string]any)["digits"]; bobSide != real {
		t.Fatalf("genuine safety numbers differ: alice %v, bob %v", real, bobSide)
	}
	if fake == real {
		t.Fatalf("the substituted card gives the same safety number %v", fake)
	}

	// Known contact: a card with bob's peer ID but the operator's keys.
	bobPub := bobIdentity(t, bobMe["invite"])
	forged := bytes.Replace(mRaw, mallory.Public().Ed25519(), bobPub.Ed25519(), 1)
	if bytes.Equal(forged, mRaw) {
		t.Fatal("could not place bob's key into the forged card")
	}
	evil.Substitute("bob", forged, peerOfKey(t, bobPub.Ed25519()))
	if r := alice.call("add", map[string]any{"username": "@bob"}); r["ok"] == true {
		t.Errorf("alice accepted a forged card for bob: %v", r)
	} else {
		t.Logf("forged card refused: %v", r["error"])
	}
	// And the operator's own card again, now that bob is known.
	evil.Substitute("bob", mRaw, mPeer)
	if r := alice.call("add", map[string]any{"username": "@bob"}); r["ok"] == true && r["result"].(map[string]any)["peer_id"] == bobID {
		t.Errorf("the substituted card was taken as bob: %v", r)
	}
	for _, c := range alice.ok("contacts", nil).([]any) {
		c := c.(map[string]any)
		if c["peer_id"] == bobID && c["state"] != "friend" {
			t.Errorf("bob's contact state = %v after the substitution, want friend", c["state"])
		}
	}
	// The impostor and the real bob must not look alike in the contact list.
	names := map[any]string{}
	for _, c := range alice.ok("contacts", nil).([]any) {
		c := c.(map[string]any)
		if other, dup := names[c["name"]]; dup {
			t.Errorf("contacts %s and %v both show as %q", other, c["peer_id"], c["name"])
		}
		names[c["name"]] = str(c["peer_id"])
	}
	t.Logf("alice's contacts: %v", names)
	if after := alice.ok("safety_number", map[string]any{"with": bobID}).(map[string]any)["digits"]; after != real {
		t.Errorf("bob's safety number changed from %v to %v", real, after)
	}
	exchange(t, alice, bob, aliceID, bobID, "still you")
	for _, ev := range alice.events {
		if ev["event"] == "key_changed" {
			t.Errorf("a substituted card raised %v", ev)
		}
	}
}

func peerOfKey(t *testing.T, pub []byte) peer.ID {
	t.Helper()
	pk, err := lcrypto.UnmarshalEd25519PublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	id, err := peer.IDFromPublicKey(pk)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func bobIdentity(t *testing.T, invite any) e2e.IdentityPublic {
	t.Helper()
	c, err := e2e.ParseInvite(str(invite))
	if err != nil {
		t.Fatal(err)
	}
	return c.Identity
}

// TestKeyChangeJSON (issue 6, item 7, the JSON client's side): bob comes
// back with the same Ed25519 key (the same peer ID) but a new X25519
// identity key, as a reinstalled device or an attacker holding only his
// signing key would, and asks alice again. Alice's JSON client says so
// (a key_changed event, state key_changed, a new safety number), refuses
// to send to bob until `trust`, and then resumes.
func TestKeyChangeJSON(t *testing.T) {
	w := newWorld(t)
	before := w.alice.ok("safety_number", map[string]any{"with": w.bobID}).(map[string]any)["digits"]
	aliceInvite := w.alice.ok("whoami", nil).(map[string]any)["invite"]
	w.bob.quit()
	newX25519Key(t, w.bobDir)
	w.bob = startClient(t, w.bin, w.bobDir, "bob")
	w.bob.ok("add", map[string]any{"invite": aliceInvite, "greeting": "new phone"})

	w.alice.waitEvent("key_changed", func(m map[string]any) bool { return m["peer_id"] == w.bobID })
	for _, c := range w.alice.ok("contacts", nil).([]any) {
		if c := c.(map[string]any); c["peer_id"] == w.bobID && c["state"] != "key_changed" {
			t.Errorf("bob's state = %v, want key_changed", c["state"])
		}
	}
	if r := w.alice.call("send", map[string]any{"to": w.bobID, "text": "are you still you?"}); r["ok"] == true {
		t.Fatalf("send to a contact whose key changed succeeded: %v", r)
	} else {
		t.Logf("send refused: %v", r["error"])
	}
	after := w.alice.ok("safety_number", map[string]any{"with": w.bobID}).(map[string]any)["digits"]
	if after == before {
		t.Errorf("safety number unchanged after the key change: %v", after)
	}
	if reqs := w.alice.ok("requests", nil).([]any); len(reqs) != 0 {
		t.Errorf("the key change shows as %d new requests", len(reqs))
	}
	w.alice.ok("trust", map[string]any{"with": w.bobID})
	w.bob.waitEvent("friend_accepted", func(m map[string]any) bool { return m["peer_id"] == w.aliceID })
	exchange(t, w.alice, w.bob, w.aliceID, w.bobID, "welcome back")
	if now := w.bob.ok("safety_number", map[string]any{"with": w.aliceID}).(map[string]any)["digits"]; now != after {
		t.Errorf("after trust the two sides show %v and %v", after, now)
	}
}

// newX25519Key gives the closed profile in dir a new X25519 identity key
// (same Ed25519 key, so the same peer ID), a card signed for it, and no
// contacts — what a reinstall that kept only the signing key looks like.
func newX25519Key(t *testing.T, dir string) {
	t.Helper()
	v, err := vault.Open(filepath.Join(dir, "vault"), []byte(e2ePass), vault.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	err = v.Update(func(tx *vault.Tx) error {
		p, err := tx.GetProfile()
		if err != nil {
			return err
		}
		old, err := e2e.UnmarshalIdentity(p.IdentityKey)
		if err != nil {
			return err
		}
		blob := replaceX25519(t, p.IdentityKey, old)
		id, err := e2e.UnmarshalIdentity(blob)
		if err != nil {
			return err
		}
		sc, err := e2e.NewCard(id, p.Name, p.Nodes, time.Now())
		if err != nil {
			return err
		}
		if p.Card, err = sc.MarshalBinary(); err != nil {
			return err
		}
		p.IdentityKey = blob
		list, err := tx.ListContacts()
		for _, c := range list {
			_ = tx.DeleteContact(c.PeerID)
			_ = tx.DeleteSession(c.PeerID)
		}
		if err != nil {
			return err
		}
		return tx.PutProfile(p)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// replaceX25519 rewrites the identity blob's 32-byte field that is not the
// Ed25519 seed with a fresh random key.
func replaceX25519(t *testing.T, blob []byte, old *e2e.IdentityPrivate) []byte {
	t.Helper()
	seed := old.Ed25519().Seed()
	for _, f := range fields32(blob, nil) {
		if bytes.Equal(f, seed) {
			continue
		}
		fresh := make([]byte, 32)
		rand.Read(fresh)
		out := bytes.Replace(blob, f, fresh, 1)
		if k, err := e2e.UnmarshalIdentity(out); err != nil || !bytes.Equal(k.Ed25519().Seed(), seed) || k.Public().X25519() == old.Public().X25519() {
			t.Fatalf("rewritten identity: %v", err)
		}
		return out
	}
	t.Fatal("no X25519 field in the identity blob")
	return nil
}
