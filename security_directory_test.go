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
