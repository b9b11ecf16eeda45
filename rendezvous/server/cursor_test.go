package server

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"google.golang.org/protobuf/proto"

	"github.com/parley-chat/parley/p2p"
	"github.com/parley-chat/parley/rendezvous"
)

func envelopes(items []rendezvous.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = string(it.Envelope)
	}
	return out
}

// TestFetchCursor: FETCH with a cursor returns the items strictly after it,
// oldest first, and reading from a cursor leaves the items before it (not
// acknowledged) to the next read from the oldest.
func TestFetchCursor(t *testing.T) {
	_, _, bob, _ := sealedInbox(t, 5)
	ctx := t.Context()
	all, err := bob.Fetch(ctx, 0)
	if err != nil || len(all) != 5 {
		t.Fatalf("Fetch = %d items, %v; want 5", len(all), err)
	}
	// Acknowledge item 2: a cursor need not name an item that still exists.
	if err := bob.Ack(ctx, ids(all[2:3])); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		max   int
		after string
		want  []string
	}{
		{"from the oldest", 2, "", []string{"sealed 0", "sealed 1"}},
		{"after the first page", 2, all[1].ID, []string{"sealed 3", "sealed 4"}},
		{"after an acknowledged item", 0, all[2].ID, []string{"sealed 3", "sealed 4"}},
		{"after the newest", 0, all[4].ID, nil},
		{"beyond the end", 0, "ffffffffffffffff", nil},
		{"before the oldest", 0, "0000000000000000", []string{"sealed 0", "sealed 1", "sealed 3", "sealed 4"}},
		// The reads from a cursor above did not move the inbox's head.
		{"from the oldest again", 0, "", []string{"sealed 0", "sealed 1", "sealed 3", "sealed 4"}},
	} {
		got, err := bob.FetchAfter(ctx, tc.max, tc.after)
		if err != nil || !slices.Equal(envelopes(got), tc.want) {
			t.Errorf("%s: FetchAfter(%d, %q) = %q, %v; want %q", tc.name, tc.max, tc.after, envelopes(got), err, tc.want)
		}
	}
	for _, bad := range []string{"zz", "0011", "00112233445566778", "001122334455667g", " 0112233445566778"} {
		if got, err := bob.FetchAfter(ctx, 0, bad); !errors.Is(err, rendezvous.ErrBadRequest) {
			t.Errorf("FetchAfter(%q) = %d items, %v; want ErrBadRequest", bad, len(got), err)
		}
	}
}

// TestFetchCursorOtherInbox: a cursor is only a position; another inbox's
// item ID never yields anything from that inbox.
func TestFetchCursorOtherInbox(t *testing.T) {
	n := startNode(t, Config{})
	alice, _ := newClient(t, n)
	bob, bh := newClient(t, n)
	mallory, mh := newClient(t, n)
	ctx := t.Context()
	for _, p := range []struct {
		to  peer.ID
		env string
	}{{bh.ID(), "bob 0"}, {mh.ID(), "mallory 0"}, {bh.ID(), "bob 1"}, {mh.ID(), "mallory 1"}} {
		if err := alice.Put(ctx, p.to, []byte(p.env)); err != nil {
			t.Fatal(err)
		}
	}
	bobs, err := bob.Fetch(ctx, 0)
	if err != nil || len(bobs) != 2 {
		t.Fatalf("bob Fetch = %d items, %v; want 2", len(bobs), err)
	}
	for _, tc := range []struct {
		after string
		want  []string
	}{
		{bobs[0].ID, []string{"mallory 0", "mallory 1"}},
		{bobs[1].ID, []string{"mallory 1"}},
	} {
		got, err := mallory.FetchAfter(ctx, 0, tc.after)
		if err != nil || !slices.Equal(envelopes(got), tc.want) {
			t.Errorf("mallory FetchAfter(bob's %s) = %q, %v; want %q", tc.after, envelopes(got), err, tc.want)
		}
	}
}

// TestFetchCursorLimits: a read from a cursor still skips expired items
// and stays within MaxFetchBytes.
func TestFetchCursorLimits(t *testing.T) {
	clk := newClock()
	n := startNode(t, Config{Now: clk.Now, TTL: time.Hour})
	alice, _ := newClient(t, n)
	bob, bh := newClient(t, n)
	ctx := t.Context()
	if err := alice.Put(ctx, bh.ID(), []byte("old")); err != nil {
		t.Fatal(err)
	}
	first, err := bob.Fetch(ctx, 0)
	if err != nil || len(first) != 1 {
		t.Fatalf("Fetch = %d items, %v", len(first), err)
	}
	clk.Add(30 * time.Minute)
	big := make([]byte, rendezvous.DefaultMaxEnvelopeBytes)
	count := rendezvous.MaxFetchBytes/len(big) + 2
	for i := range count {
		big[0] = byte(i)
		if err := alice.Put(ctx, bh.ID(), big); err != nil {
			t.Fatalf("Put %d: %v", i, err)
		}
	}
	clk.Add(45 * time.Minute) // "old" has expired, the big ones have not
	got, err := bob.FetchAfter(ctx, 0, "0000000000000001")
	if err != nil || len(got) == 0 || len(got) >= count {
		t.Fatalf("FetchAfter = %d items, %v; want some but not all %d (MaxFetchBytes)", len(got), err, count)
	}
	total := 0
	for _, it := range got {
		total += len(it.Envelope)
		if it.ID == first[0].ID {
			t.Error("an expired item was returned")
		}
	}
	if total > rendezvous.MaxFetchBytes {
		t.Errorf("FetchAfter returned %d bytes, more than MaxFetchBytes %d", total, rendezvous.MaxFetchBytes)
	}
	rest, err := bob.FetchAfter(ctx, 0, got[len(got)-1].ID)
	if err != nil || len(got)+len(rest) != count {
		t.Errorf("FetchAfter(last) = %d items, %v; want the other %d", len(rest), err, count-len(got))
	}
}

// TestMailboxVersions: a node serves /parley/mailbox/2 and, for clients
// from before the cursor, /1; a client speaks /2, and on a node from before
// (only /1, which ignores the unknown cursor field) it still puts, fetches
// and acknowledges, but refuses to page with ErrNoCursor instead of
// returning the oldest items again as if they came after the cursor.
func TestMailboxVersions(t *testing.T) {
	n, alice, bob, bh := sealedInbox(t, 3)
	ctx := t.Context()
	if got, err := bob.FetchAfter(ctx, 0, "0000000000000000"); err != nil || len(got) != 3 {
		t.Fatalf("FetchAfter on /2 = %d items, %v; want 3", len(got), err)
	}

	// A client from before the cursor speaks /1 only.
	req, err := proto.Marshal(&rendezvous.MailboxRequest{Op: &rendezvous.MailboxRequest_Fetch{Fetch: &rendezvous.Fetch{}}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := p2p.Call(ctx, bh, n.host.ID(), p2p.ProtoMailboxV1, req, rendezvous.MaxResponseFrame)
	var resp rendezvous.MailboxResponse
	if err != nil || proto.Unmarshal(out, &resp) != nil || len(resp.GetItems()) != 3 {
		t.Fatalf("FETCH over %s = %d items, %v; want 3", p2p.ProtoMailboxV1, len(resp.GetItems()), err)
	}

	// A node from before the cursor: /1 only, blind to Fetch.after.
	n.host.RemoveStreamHandler(p2p.ProtoMailbox)
	p2p.Serve(n.host, p2p.ProtoMailboxV1, func(ctx context.Context, from peer.ID, req []byte) ([]byte, error) {
		var m rendezvous.MailboxRequest
		if err := proto.Unmarshal(req, &m); err != nil {
			return nil, err
		}
		if f := m.GetFetch(); f != nil {
			f.After = ""
		}
		b, err := proto.Marshal(&m)
		if err != nil {
			return nil, err
		}
		return n.srv.mbox.handle(ctx, from, b)
	}, p2p.Limits{MaxResponse: rendezvous.MaxResponseFrame})
	carol, ch := newClient(t, n) // connects now: identify sees /1 only
	if err := alice.Put(ctx, ch.ID(), []byte("for carol")); err != nil {
		t.Fatal(err)
	}
	if got, err := carol.FetchAfter(ctx, 0, "0000000000000000"); !errors.Is(err, rendezvous.ErrNoCursor) {
		t.Fatalf("first FetchAfter on a /1 node = %d items, %v; want ErrNoCursor", len(got), err)
	}
	items, err := carol.Fetch(ctx, 0)
	if err != nil || len(items) != 1 {
		t.Fatalf("Fetch on a /1 node = %d items, %v; want 1", len(items), err)
	}
	if got, err := carol.FetchAfter(ctx, 0, items[0].ID); !errors.Is(err, rendezvous.ErrNoCursor) {
		t.Fatalf("FetchAfter on a known /1 node = %d items, %v; want ErrNoCursor", len(got), err)
	}
	if err := carol.Put(ctx, bh.ID(), []byte("from carol")); err != nil {
		t.Fatalf("Put on a /1 node: %v", err)
	}
	if err := carol.Ack(ctx, ids(items)); err != nil {
		t.Fatalf("Ack on a /1 node: %v", err)
	}
	if left, err := carol.Fetch(ctx, 0); err != nil || len(left) != 0 {
		t.Fatalf("Fetch after Ack on a /1 node = %d items, %v; want none", len(left), err)
	}
}
