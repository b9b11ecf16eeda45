package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/parley-chat/parley/app/e2e/internal/wirepb"
	"golang.org/x/crypto/curve25519"
	"google.golang.org/protobuf/proto"
)

type sessionV1File struct {
	HowMade string `json:"how_made"`
	Entries []struct {
		From      string   `json:"from"`
		Identity  hexBytes `json:"identity"`
		Session   hexBytes `json:"session"`
		Envelope  hexBytes `json:"envelope"`
		Plaintext string   `json:"plaintext"`
	} `json:"entries"`
}

// TestSessionV1Loads: sessions stored by builds before dh_public (version 1)
// still load, open what they could open then, and are written back as
// version 2 with the right dh_public.
func TestSessionV1Loads(t *testing.T) {
	b, err := os.ReadFile("testdata/session_v1.json")
	if err != nil {
		t.Fatal(err)
	}
	var f sessionV1File
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Entries) == 0 {
		t.Fatal("no entries")
	}
	for i, e := range f.Entries {
		var st wirepb.SessionState
		if err := proto.Unmarshal(e.Session, &st); err != nil || st.Version != 1 || st.DhPublic != nil {
			t.Fatalf("entry %d is not a version 1 blob (version %d, %v)", i, st.Version, err)
		}
		me, err := UnmarshalIdentity(e.Identity)
		if err != nil {
			t.Fatal(err)
		}
		s, err := UnmarshalSession(me, e.Session)
		if err != nil {
			t.Fatalf("entry %d: UnmarshalSession(v1): %v", i, err)
		}
		v2, _ := s.MarshalBinary()
		mustOpen(t, s, e.Envelope, e.Plaintext)
		var st2 wirepb.SessionState
		if err := proto.Unmarshal(v2, &st2); err != nil || st2.Version != sessionVersion {
			t.Fatalf("entry %d: rewritten as version %d, %v", i, st2.Version, err)
		}
		pub, _ := curve25519.X25519(st.DhPrivate, curve25519.Basepoint)
		if !bytes.Equal(st2.DhPublic, pub) {
			t.Fatalf("entry %d: dh_public %x, want %x", i, st2.DhPublic, pub)
		}
		s2, err := UnmarshalSession(me, v2)
		if err != nil {
			t.Fatalf("entry %d: UnmarshalSession(v2): %v", i, err)
		}
		mustOpen(t, s2, e.Envelope, e.Plaintext)
	}
}

// TestUnmarshalSessionChecks: a version 2 blob is not re-validated with
// scalar multiplications, but wrong lengths, all-zero keys, a missing
// dh_public and unknown versions are refused.
func TestUnmarshalSessionChecks(t *testing.T) {
	_, _, sa, _, _ := pair(t, "store-checks")
	good, _ := sa.MarshalBinary()
	if _, err := UnmarshalSession(sa.me, good); err != nil {
		t.Fatal(err)
	}
	zero, short := make([]byte, 32), make([]byte, 31)
	for name, edit := range map[string]func(*wirepb.SessionState){
		"version 0":             func(st *wirepb.SessionState) { st.Version = 0 },
		"version 3":             func(st *wirepb.SessionState) { st.Version = 3 },
		"no dh_public":          func(st *wirepb.SessionState) { st.DhPublic = nil },
		"v1 with dh_public":     func(st *wirepb.SessionState) { st.Version = 1 },
		"zero dh_public":        func(st *wirepb.SessionState) { st.DhPublic = zero },
		"short dh_public":       func(st *wirepb.SessionState) { st.DhPublic = short },
		"zero dh_private":       func(st *wirepb.SessionState) { st.DhPrivate = zero },
		"zero dh_remote":        func(st *wirepb.SessionState) { st.DhRemote = zero },
		"short dh_remote":       func(st *wirepb.SessionState) { st.DhRemote = short },
		"zero remote x25519":    func(st *wirepb.SessionState) { st.RemoteX25519 = zero },
		"short remote x25519":   func(st *wirepb.SessionState) { st.RemoteX25519 = short },
		"zero remote ed25519":   func(st *wirepb.SessionState) { st.RemoteEd25519 = zero },
		"short remote ed25519":  func(st *wirepb.SessionState) { st.RemoteEd25519 = short },
		"short root key":        func(st *wirepb.SessionState) { st.RootKey = short },
		"short previous remote": func(st *wirepb.SessionState) { st.PreviousRemote = [][]byte{short} },
	} {
		var st wirepb.SessionState
		if err := proto.Unmarshal(good, &st); err != nil {
			t.Fatal(err)
		}
		edit(&st)
		b, _ := proto.Marshal(&st)
		if _, err := UnmarshalSession(sa.me, b); err == nil {
			t.Errorf("UnmarshalSession accepted a blob with %s", name)
		}
	}
}

// TestSessionClone: a clone is independent of the original, skipped keys
// included, and both can go on with the conversation.
func TestSessionClone(t *testing.T) {
	_, _, sa, sb, rnd := pair(t, "clone")
	mustOpen(t, sa, mustSeal(t, sb, rnd, "b1"), "b1")
	late := mustSeal(t, sa, rnd, "late")
	mustOpen(t, sb, mustSeal(t, sa, rnd, "a2"), "a2") // sb now holds a skipped key
	before, _ := sb.MarshalBinary()
	c := sb.Clone()
	if after, _ := c.MarshalBinary(); !bytes.Equal(after, before) {
		t.Fatal("clone marshals differently from the original")
	}
	// Using the clone (consuming the skipped key, a turn, a Seal) leaves the
	// original untouched.
	mustOpen(t, c, late, "late")
	mustOpen(t, c, mustSeal(t, sa.Clone(), rnd, "a3"), "a3")
	mustSeal(t, c, rnd, "from the clone")
	if after, _ := sb.MarshalBinary(); !bytes.Equal(after, before) {
		t.Fatal("using the clone changed the original")
	}
	if sb.skipped.len() != 1 || c.skipped.len() != 0 {
		t.Fatalf("skipped keys: original %d, clone %d; want 1, 0", sb.skipped.len(), c.skipped.len())
	}
	// The original (the rollback) still works.
	mustOpen(t, sb, late, "late")
	mustOpen(t, sa, mustSeal(t, sb, rnd, "b2"), "b2")
}
