package e2e

import (
	"encoding/binary"
	"errors"
	"github.com/parley-chat/parley/app/e2e/internal/wirepb"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
)

func testInvite(t testing.TB) (party, string) {
	t.Helper()
	p := newParty(t, newDetRand("invite"), "Dana ✓")
	return p, p.card.Invite()
}

func TestInviteRoundTrip(t *testing.T) {
	p, inv := testInvite(t)
	if !strings.HasPrefix(inv, InvitePrefix) {
		t.Fatalf("Invite() = %q, want prefix %q", inv, InvitePrefix)
	}
	c, err := ParseInvite(inv)
	if err != nil {
		t.Fatalf("ParseInvite: %v", err)
	}
	if c.Identity != p.card.Card.Identity || c.Name != "Dana ✓" || len(c.Nodes) != 1 ||
		c.Nodes[0] != p.card.Card.Nodes[0] || !c.CreatedAt.Equal(testTime) {
		t.Fatalf("ParseInvite = %+v, want %+v", c, p.card.Card)
	}
	// Copy-paste damage that carries no information is tolerated.
	body := inv[len(InvitePrefix):]
	var wrapped strings.Builder
	for i := 0; i < len(body); i += 40 {
		wrapped.WriteString(body[i:min(i+40, len(body))])
		wrapped.WriteString("\r\n  ")
	}
	for name, s := range map[string]string{
		"spaces":     "  \n\t" + inv + " \n",
		"line-wraps": InvitePrefix + "\n" + wrapped.String(),
		"upper-case": strings.ToUpper(inv),
		"quoted":     "\"" + inv + "\".",
		"bracketed":  "<" + inv + ">",
	} {
		c2, err := ParseInvite(s)
		if err != nil || c2.Identity != c.Identity {
			t.Errorf("%s: ParseInvite = %v", name, err)
		}
	}
}

// TestInviteEveryCharChange changes each character of the invite to every
// other character of the alphabet (and to a few outside it): all rejected.
func TestInviteEveryCharChange(t *testing.T) {
	_, inv := testInvite(t)
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	for i := len(InvitePrefix); i < len(inv); i++ {
		for _, r := range alphabet + "018-" {
			if byte(r) == inv[i] {
				continue
			}
			s := inv[:i] + string(r) + inv[i+1:]
			if _, err := ParseInvite(s); err == nil {
				t.Fatalf("ParseInvite accepted %q at %d", r, i)
			} else if !errors.Is(err, ErrInviteChecksum) && !errors.Is(err, ErrInviteMalformed) &&
				!errors.Is(err, ErrInviteTruncated) {
				t.Fatalf("ParseInvite with %q at %d = %v, want a damage error", r, i, err)
			}
		}
	}
	for i := range len(InvitePrefix) {
		if _, err := ParseInvite(inv[:i] + "x" + inv[i+1:]); !errors.Is(err, ErrInviteMalformed) {
			t.Fatalf("changed prefix at %d: %v", i, err)
		}
	}
}

func TestInviteTruncated(t *testing.T) {
	_, inv := testInvite(t)
	for n := len(InvitePrefix); n < len(inv); n++ {
		_, err := ParseInvite(inv[:n])
		if !errors.Is(err, ErrInviteTruncated) {
			t.Fatalf("ParseInvite(first %d of %d chars) = %v, want ErrInviteTruncated", n, len(inv), err)
		}
	}
	if _, err := ParseInvite(inv + "a"); !errors.Is(err, ErrInviteChecksum) {
		t.Fatalf("ParseInvite(extra char) = %v, want ErrInviteChecksum", err)
	}
}

// encodeRaw makes an invite from raw parts with a correct checksum.
func encodeRaw(version byte, body, sig []byte) string {
	raw := []byte{version, 0, 0}
	binary.BigEndian.PutUint16(raw[1:], uint16(len(body)))
	raw = append(append(raw, body...), sig...)
	raw = append(raw, inviteChecksum(raw)...)
	return InvitePrefix + inviteEncoding.EncodeToString(raw)
}

func TestInviteBadSignatureAndVersion(t *testing.T) {
	p, _ := testInvite(t)
	other := newParty(t, newDetRand("other"), "mallory")
	// A card signed by another key, with a valid checksum.
	if _, err := ParseInvite(encodeRaw(1, p.card.body, other.card.sig)); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("foreign signature: %v, want ErrBadSignature", err)
	}
	// A changed name under the old signature.
	var cb wirepb.CardBody
	if err := proto.Unmarshal(p.card.body, &cb); err != nil {
		t.Fatal(err)
	}
	cb.Name = "Dana (real)"
	changed, _ := proto.Marshal(&cb)
	if _, err := ParseInvite(encodeRaw(1, changed, p.card.sig)); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("changed card: %v, want ErrBadSignature", err)
	}
	if _, err := ParseInvite(encodeRaw(2, p.card.body, p.card.sig)); !errors.Is(err, ErrInviteVersion) {
		t.Fatalf("version 2: %v, want ErrInviteVersion", err)
	}
	// Low-order X25519 key in a correctly self-signed card.
	cb.Name = "Dana"
	cb.X25519 = lowOrder(t)[0]
	low, _ := proto.Marshal(&cb)
	if _, err := ParseInvite(encodeRaw(1, low, p.id.sign(labelCard, low))); !errors.Is(err, ErrInvalidKey) {
		t.Fatalf("low-order card key: %v, want ErrInvalidKey", err)
	}
}

func TestInviteMalformed(t *testing.T) {
	for _, s := range []string{"", "parley", "https://example.com", "parley:", "parley:abc", "parley:ab!cd",
		"parley:" + strings.Repeat("a", maxInviteText)} {
		if _, err := ParseInvite(s); err == nil {
			t.Errorf("ParseInvite(%.40q) succeeded", s)
		}
	}
}

func TestCardBounds(t *testing.T) {
	id, _ := NewIdentity(newDetRand("bounds"))
	long := strings.Repeat("x", MaxNameLen+1)
	nodes := make([]string, MaxNodes+1)
	for _, c := range []struct {
		name  string
		nodes []string
	}{{long, nil}, {"ok", nodes}, {"ok", []string{strings.Repeat("n", MaxNodeLen+1)}}, {"\xff", nil}} {
		if _, err := NewCard(id, c.name, c.nodes, time.Now()); err == nil {
			t.Errorf("NewCard(%.20q, %d nodes) succeeded", c.name, len(c.nodes))
		}
	}
	sc, err := NewCard(id, strings.Repeat("é", MaxNameLen/2), make([]string, MaxNodes), testTime)
	if err != nil {
		t.Fatalf("NewCard at the bounds: %v", err)
	}
	if _, err := ParseInvite(sc.Invite()); err != nil {
		t.Fatalf("ParseInvite at the bounds: %v", err)
	}
}

func FuzzParseInvite(f *testing.F) {
	_, inv := testInvite(f)
	f.Add(inv)
	f.Add(strings.ToUpper(inv))
	f.Add(inv[:len(inv)/2])
	f.Add("parley:")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseInvite(s)
		if err == nil && c == nil {
			t.Fatal("nil card without error")
		}
	})
}
