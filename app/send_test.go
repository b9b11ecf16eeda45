package app

import (
	"strings"
	"testing"
	"time"
)

// TestNewIDOrder checks the ID layout the vault's key order relies on: IDs
// made later sort later (as strings, hence as index keys), IDs made in the
// same millisecond still differ, and every ID passes validID.
func TestNewIDOrder(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 15, 0, 0, 0, time.UTC)
	prev := ""
	for i := range 1000 {
		now := t0.Add(time.Duration(i) * time.Millisecond)
		id := newID(now)
		if len(id) != 32 || !validID(id) {
			t.Fatalf("newID(%v) = %q, want 32 hex digits", now, id)
		}
		if id <= prev {
			t.Fatalf("newID(%v) = %q, not after %q made a millisecond earlier", now, id, prev)
		}
		if want := "01a24191bd80"; i == 0 && !strings.HasPrefix(id, want) {
			t.Errorf("newID(%v) = %q, want the prefix %s (milliseconds since 1970, big-endian)", now, id, want)
		}
		prev = id
	}
	seen := make(map[string]bool)
	for range 1000 {
		id := newID(t0)
		if seen[id] {
			t.Fatalf("newID gave %q twice within one millisecond", id)
		}
		seen[id] = true
	}
}
