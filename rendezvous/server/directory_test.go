package server

import (
	"errors"
	"fmt"
	"testing"

	"github.com/parley-chat/parley/rendezvous"
)

func TestDirectory(t *testing.T) {
	n := startNode(t, Config{MaxNamesPerOwner: 2})
	alice, ah := newClient(t, n)
	mallory, _ := newClient(t, n)
	ctx := t.Context()
	if err := alice.Claim(ctx, "@Alice", []byte("card-1")); err != nil {
		t.Fatalf("Claim: %v", err)
	}
	steps := []struct {
		name string
		err  error
		want error
	}{
		{"first come, first served", mallory.Claim(ctx, "alice", []byte("evil")), rendezvous.ErrNameTaken},
		{"case-folded", mallory.Claim(ctx, "ALICE", []byte("evil")), rendezvous.ErrNameTaken},
		{"owner updates", alice.Claim(ctx, "alice", []byte("card-2")), nil},
		{"bad characters", alice.Claim(ctx, "al ice", []byte("x")), rendezvous.ErrBadRequest},
		{"too short", alice.Claim(ctx, "al", []byte("x")), rendezvous.ErrBadRequest},
		{"unicode look-alike", alice.Claim(ctx, "аlice", []byte("x")), rendezvous.ErrBadRequest},
		{"card too large", alice.Claim(ctx, "alice2", make([]byte, rendezvous.MaxCardBytes+1)), rendezvous.ErrTooLarge},
		{"second name", alice.Claim(ctx, "alice.work", []byte("c")), nil},
		{"names per owner", alice.Claim(ctx, "alice.third", []byte("c")), rendezvous.ErrQuota},
	}
	for _, s := range steps {
		if !errors.Is(s.err, s.want) {
			t.Errorf("%s: got %v, want %v", s.name, s.err, s.want)
		}
	}
	card, owner, err := mallory.Resolve(ctx, "Alice")
	if err != nil || string(card) != "card-2" || owner != ah.ID() {
		t.Errorf("Resolve(Alice) = %q, %s, %v; want card-2 owned by %s", card, owner, err, ah.ID())
	}
	if _, _, err := mallory.Resolve(ctx, "nobody"); !errors.Is(err, rendezvous.ErrNotFound) {
		t.Errorf("Resolve(nobody) = %v, want ErrNotFound", err)
	}
	n.restart()
	alice2, _ := newClient(t, n)
	if card, _, err := alice2.Resolve(ctx, "alice"); err != nil || string(card) != "card-2" {
		t.Errorf("Resolve after restart = %q, %v", card, err)
	}
}

func TestNormalizeName(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"@Bob_1", "bob_1", true},
		{"a.b-c", "a.b-c", true},
		{"ab", "", false},
		{"abcdefghijabcdefghijabcdefghijabc", "", false},
		{"bob!", "", false},
		{"böb", "", false},
	}
	for _, c := range cases {
		got, ok := NormalizeName(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("NormalizeName(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

// TestClaimRateLimit: fresh peer IDs from one IP cannot claim names without
// bound.
func TestClaimRateLimit(t *testing.T) {
	n := startNode(t, Config{Now: newClock().Now})
	var limited int
	for i := range claimBurst + 3 {
		c, _ := newClient(t, n)
		err := c.Claim(t.Context(), fmt.Sprintf("squat%02d", i), []byte("card"))
		switch {
		case errors.Is(err, rendezvous.ErrRateLimited):
			limited++
		case err != nil:
			t.Fatal(err)
		}
	}
	if limited != 3 {
		t.Errorf("%d of %d claims from one IP rate-limited, want 3", limited, claimBurst+3)
	}
}
