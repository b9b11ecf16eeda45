package app

import (
	"strings"
	"testing"

	"github.com/parley-chat/parley/vault"
)

func TestNamesIndex(t *testing.T) {
	a, b, c, d := PeerID("12D3KooWA"), PeerID("12D3KooWB"), PeerID("12D3KooWC"), PeerID("12D3KooWD")
	n := newNames()
	n.reset("Alice", []vault.Contact{{PeerID: string(a), Name: "bob"}, {PeerID: string(b), Name: " BOB\u200b "}, {PeerID: string(c), Name: "carol"}})
	for _, tc := range []struct {
		got, want string
	}{
		{n.contact(a, "bob"), "bob" + nameSep + fingerprint(a)},
		{n.contact(b, " BOB\u200b "), "BOB" + nameSep + fingerprint(b)},
		{n.contact(c, "carol"), "carol"},
		{n.request(d, "alice"), "alice" + nameSep + fingerprint(d)}, // our own name
		{n.request(d, "Carol"), "Carol" + nameSep + fingerprint(d)},
		{n.request(d, "dave"), "dave"},
		{n.request(c, "carol"), "carol"}, // a contact's own request is no collision
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	if fingerprint(a) == fingerprint(b) || len(fingerprint(a)) != 6 {
		t.Fatalf("fingerprints %q, %q: want 6 hex digits, distinct", fingerprint(a), fingerprint(b))
	}
	// The second bob renames himself: both names are plain again.
	if got := n.contact(b, "robert"); got != "robert" {
		t.Fatalf("renamed contact = %q, want robert", got)
	}
	if got := n.contact(a, "bob"); got != "bob" {
		t.Fatalf("bob after the rename = %q, want bob", got)
	}
}

// TestEqualDisplayNames: alice has two friends who both call themselves
// bob, and a request from someone calling themselves alice; the
// frontends see each with a fingerprint suffix, and a unique name plain.
func TestEqualDisplayNames(t *testing.T) {
	alice, bob, bob2, carol := newUser(t, "alice"), newUser(t, "bob"), newUser(t, "Bob"), newUser(t, "carol")
	befriend(t, alice, bob)
	befriend(t, alice, carol)
	befriend(t, alice, bob2)
	names := map[PeerID]string{}
	for _, ct := range alice.c.Contacts() {
		names[ct.PeerID] = ct.Name
	}
	want := map[PeerID]string{
		bob.id():   "bob" + nameSep + fingerprint(bob.id()),
		bob2.id():  "Bob" + nameSep + fingerprint(bob2.id()),
		carol.id(): "carol",
	}
	for p, w := range want {
		if names[p] != w {
			t.Errorf("contact %s shown as %q, want %q", p, names[p], w)
		}
	}

	fake := newUser(t, "ALICE")
	if _, err := fake.c.AddContact(t.Context(), alice.c.Me().Invite, "it's me"); err != nil {
		t.Fatal(err)
	}
	ev := alice.wait("request", func(ev Event) bool { _, ok := ev.(FriendRequestReceived); return ok })
	wantReq := "ALICE" + nameSep + fingerprint(fake.id())
	if got := ev.(FriendRequestReceived).Request.Name; got != wantReq {
		t.Errorf("request event shows %q, want %q", got, wantReq)
	}
	reqs := alice.c.Requests()
	if len(reqs) != 1 || reqs[0].Name != wantReq {
		t.Fatalf("Requests() = %+v, want one named %q", reqs, wantReq)
	}
	if !strings.HasPrefix(reqs[0].Name, "ALICE") {
		t.Fatalf("the name itself must stay first: %q", reqs[0].Name)
	}
}
