package vault

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

// t0 is a fixed instant used by record tests and golden files.
var t0 = time.Date(2026, 11, 25, 12, 0, 0, 123456789, time.UTC)

func update(t testing.TB, v *Vault, fn func(*Tx) error) {
	t.Helper()
	if err := v.Update(fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func view(t testing.TB, v *Vault, fn func(*Tx) error) {
	t.Helper()
	if err := v.View(fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

func checkEqual(t testing.TB, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %+v, want %+v", what, got, want)
	}
}

func sampleProfile() Profile {
	return Profile{Name: "Alice", IdentityKey: []byte("PRIVATE-IDENTITY"), Card: []byte("card"),
		Nodes: []string{"/ip4/127.0.0.1/tcp/4001"}, CreatedAt: t0}
}

func sampleContact() Contact {
	return Contact{PeerID: "12D3KooWBob", Name: "Bob", State: "friend", Card: []byte("bob-card"),
		PinnedKey: []byte("pinned"), PendingKey: []byte("pending"), Verified: true, KeyChanged: true,
		Greeting: "hi", Handshake: []byte("hs"), Unread: 3, LastMessage: "see you",
		LastAt: t0.Add(time.Minute), CreatedAt: t0, UpdatedAt: t0.Add(2 * time.Minute)}
}

func sampleMessage() Message {
	return Message{ID: "m1", Conv: "12D3KooWBob", From: "12D3KooWAlice", Outgoing: true,
		Text: "hello Bob", SentAt: t0, Status: "queued"}
}

func sampleOutbox() Outbox {
	return Outbox{ID: "o1", To: "12D3KooWBob", Kind: "msg", Payload: []byte("sealed"),
		CreatedAt: t0, Attempts: 2, NextAttempt: t0.Add(time.Minute)}
}

func sampleRequest() Request {
	return Request{PeerID: "12D3KooWCarol", Name: "Carol", Greeting: "hello!", Card: []byte("carol-card"),
		Payload: []byte("req"), ReceivedAt: t0}
}

func TestProfileRoundTrip(t *testing.T) {
	v, _ := newVault(t)
	view(t, v, func(tx *Tx) error {
		if _, err := tx.GetProfile(); !errors.Is(err, ErrNotFound) {
			t.Errorf("GetProfile on empty vault = %v, want ErrNotFound", err)
		}
		return nil
	})
	update(t, v, func(tx *Tx) error { return tx.PutProfile(sampleProfile()) })
	view(t, v, func(tx *Tx) error {
		got, err := tx.GetProfile()
		checkEqual(t, "GetProfile", got, sampleProfile())
		return err
	})
}

func TestContactRoundTrip(t *testing.T) {
	v, _ := newVault(t)
	c2 := Contact{PeerID: "12D3KooWAaron", Name: "Aaron", State: "requested"}
	update(t, v, func(tx *Tx) error {
		if err := tx.PutContact(sampleContact()); err != nil {
			return err
		}
		return tx.PutContact(c2)
	})
	view(t, v, func(tx *Tx) error {
		got, err := tx.GetContact("12D3KooWBob")
		checkEqual(t, "GetContact", got, sampleContact())
		list, err2 := tx.ListContacts()
		checkEqual(t, "ListContacts", len(list), 2)
		if len(list) == 2 {
			checkEqual(t, "ListContacts[0]", list[0], c2)
		}
		return errors.Join(err, err2)
	})
	update(t, v, func(tx *Tx) error { return tx.DeleteContact("12D3KooWBob") })
	view(t, v, func(tx *Tx) error {
		if _, err := tx.GetContact("12D3KooWBob"); !errors.Is(err, ErrNotFound) {
			t.Errorf("GetContact after delete = %v, want ErrNotFound", err)
		}
		return nil
	})
	if err := v.Update(func(tx *Tx) error { return tx.PutContact(Contact{}) }); err == nil {
		t.Errorf("PutContact with empty peer ID succeeded")
	}
}

func TestSessionRoundTrip(t *testing.T) {
	v, _ := newVault(t)
	update(t, v, func(tx *Tx) error { return tx.PutSession("p1", []byte("ratchet-state")) })
	view(t, v, func(tx *Tx) error {
		got, err := tx.GetSession("p1")
		checkEqual(t, "GetSession", string(got), "ratchet-state")
		return err
	})
	update(t, v, func(tx *Tx) error { return tx.DeleteSession("p1") })
	view(t, v, func(tx *Tx) error {
		if _, err := tx.GetSession("p1"); !errors.Is(err, ErrNotFound) {
			t.Errorf("GetSession after delete = %v, want ErrNotFound", err)
		}
		return nil
	})
}

func TestMessageRoundTrip(t *testing.T) {
	v, _ := newVault(t)
	m := sampleMessage()
	update(t, v, func(tx *Tx) error { return tx.PutMessage(m) })
	view(t, v, func(tx *Tx) error {
		got, err := tx.GetMessage(m.Conv, m.ID)
		checkEqual(t, "GetMessage", got, m)
		ok, err2 := tx.HasMessage(m.Conv, m.ID)
		checkEqual(t, "HasMessage", ok, true)
		ok, err3 := tx.HasMessage(m.Conv, "other")
		checkEqual(t, "HasMessage(other)", ok, false)
		return errors.Join(err, err2, err3)
	})
	update(t, v, func(tx *Tx) error { return tx.SetMessageStatus(m.Conv, m.ID, "delivered") })
	// Re-putting with a new SentAt moves the message; no duplicate remains.
	m.SentAt = t0.Add(time.Hour)
	update(t, v, func(tx *Tx) error { return tx.PutMessage(m) })
	view(t, v, func(tx *Tx) error {
		page, err := tx.History(m.Conv, "", 10)
		checkEqual(t, "len(History)", len(page), 1)
		got, err2 := tx.GetMessage(m.Conv, m.ID)
		checkEqual(t, "GetMessage.SentAt", got.SentAt.UTC(), m.SentAt)
		return errors.Join(err, err2)
	})
	update(t, v, func(tx *Tx) error {
		if err := tx.SetMessageStatus(m.Conv, "nope", "x"); !errors.Is(err, ErrNotFound) {
			t.Errorf("SetMessageStatus(missing) = %v, want ErrNotFound", err)
		}
		return tx.DeleteMessage(m.Conv, m.ID)
	})
	view(t, v, func(tx *Tx) error {
		page, err := tx.History(m.Conv, "", 10)
		checkEqual(t, "len(History) after delete", len(page), 0)
		return err
	})
}

func TestInsertAndUpdateMessage(t *testing.T) {
	v, _ := newVault(t)
	m := sampleMessage()
	var first, second bool
	update(t, v, func(tx *Tx) (err error) { first, err = tx.InsertMessage(m); return err })
	dup := m
	dup.Text = "a second copy must not replace the first"
	update(t, v, func(tx *Tx) (err error) { second, err = tx.InsertMessage(dup); return err })
	checkEqual(t, "InsertMessage (new)", first, true)
	checkEqual(t, "InsertMessage (duplicate)", second, false)
	update(t, v, func(tx *Tx) error {
		// fn returning false writes nothing.
		if err := tx.UpdateMessage(m.Conv, m.ID, func(x *Message) bool { x.Status = "ignored"; return false }); err != nil {
			return err
		}
		return tx.UpdateMessage(m.Conv, m.ID, func(x *Message) bool { x.Status = "delivered"; return true })
	})
	view(t, v, func(tx *Tx) error {
		got, err := tx.GetMessage(m.Conv, m.ID)
		want := m
		want.Status = "delivered"
		checkEqual(t, "after UpdateMessage", got, want)
		page, err2 := tx.History(m.Conv, "", 10)
		checkEqual(t, "len(History)", len(page), 1)
		return errors.Join(err, err2)
	})
	update(t, v, func(tx *Tx) error {
		if err := tx.UpdateMessage(m.Conv, "nope", func(*Message) bool { return true }); !errors.Is(err, ErrNotFound) {
			t.Errorf("UpdateMessage(missing) = %v, want ErrNotFound", err)
		}
		err := tx.UpdateMessage(m.Conv, m.ID, func(x *Message) bool { x.SentAt = x.SentAt.Add(time.Second); return true })
		if err == nil {
			t.Errorf("UpdateMessage moving SentAt succeeded")
		}
		return nil
	})
}

// TestAddMessageAndOutbox: the lookup-free writes of the send path store
// what the ordinary ones do.
func TestAddMessageAndOutbox(t *testing.T) {
	v, _ := newVault(t)
	m, o := sampleMessage(), sampleOutbox()
	update(t, v, func(tx *Tx) error { return errors.Join(tx.AddMessage(m), tx.AddOutbox(o)) })
	view(t, v, func(tx *Tx) error {
		gm, err := tx.GetMessage(m.Conv, m.ID)
		checkEqual(t, "GetMessage", gm, m)
		got, err2 := tx.GetOutbox(o.ID)
		checkEqual(t, "GetOutbox.Payload", string(got.Payload), string(o.Payload))
		page, err3 := tx.History(m.Conv, "", 10)
		checkEqual(t, "len(History)", len(page), 1)
		return errors.Join(err, err2, err3)
	})
	update(t, v, func(tx *Tx) error { return tx.DeleteOutbox(o.ID) })
	view(t, v, func(tx *Tx) error {
		n, err := tx.CountOutbox()
		checkEqual(t, "CountOutbox after delete", n, 0)
		return err
	})
	if err := v.Update(func(tx *Tx) error { return tx.AddMessage(Message{Conv: "c"}) }); err == nil {
		t.Error("AddMessage without an ID succeeded")
	}
}

func TestOutboxRoundTrip(t *testing.T) {
	v, _ := newVault(t)
	o1 := sampleOutbox()
	o0 := Outbox{ID: "o0", To: "x", Kind: "msg", CreatedAt: t0.Add(-time.Second)}
	update(t, v, func(tx *Tx) error { return errors.Join(tx.PutOutbox(o1), tx.PutOutbox(o0)) })
	o1.Attempts++
	update(t, v, func(tx *Tx) error { return tx.PutOutbox(o1) }) // update in place
	view(t, v, func(tx *Tx) error {
		list, err := tx.ListOutbox()
		checkEqual(t, "ListOutbox", list, []Outbox{o0, o1}[:len(list)])
		checkEqual(t, "len(ListOutbox)", len(list), 2)
		n, err2 := tx.CountOutbox()
		checkEqual(t, "CountOutbox", n, 2)
		got, err3 := tx.GetOutbox("o1")
		checkEqual(t, "GetOutbox", got, o1)
		return errors.Join(err, err2, err3)
	})
	update(t, v, func(tx *Tx) error { return errors.Join(tx.DeleteOutbox("o1"), tx.DeleteOutbox("missing")) })
	view(t, v, func(tx *Tx) error {
		n, err := tx.CountOutbox()
		checkEqual(t, "CountOutbox after delete", n, 1)
		return err
	})
}

func TestSettingRoundTrip(t *testing.T) {
	v, _ := newVault(t)
	update(t, v, func(tx *Tx) error { return tx.PutSetting("theme", []byte("dark")) })
	view(t, v, func(tx *Tx) error {
		got, err := tx.GetSetting("theme")
		checkEqual(t, "GetSetting", string(got), "dark")
		if _, err := tx.GetSetting("none"); !errors.Is(err, ErrNotFound) {
			t.Errorf("GetSetting(none) = %v, want ErrNotFound", err)
		}
		return err
	})
}

// TestMarkFirstSeen: one key per id, forgotten by Badger at its expiry
// (wall clock), none in the expiry index that PruneSeen walks.
func TestMarkFirstSeen(t *testing.T) {
	v, _ := newVault(t)
	now := time.Now()
	update(t, v, func(tx *Tx) error {
		return errors.Join(tx.MarkFirstSeen("pkt", "live", now.Add(time.Hour)), tx.MarkFirstSeen("pkt", "gone", now.Add(-2*time.Second)))
	})
	n, err := v.PruneSeen(now.Add(2 * time.Hour))
	if err != nil || n != 0 {
		t.Fatalf("PruneSeen = %d, %v; want 0 (MarkFirstSeen keeps no expiry index)", n, err)
	}
	view(t, v, func(tx *Tx) error {
		for id, want := range map[string]bool{"live": true, "gone": false} {
			if got, err := tx.IsSeen("pkt", id); err != nil || got != want {
				t.Errorf("IsSeen(pkt, %s) = %v, %v; want %v", id, got, err, want)
			}
		}
		keys := 0
		err := tx.scan([]byte(pfxSeenExp), true, func([]byte, []byte) error { keys++; return nil })
		if keys != 0 {
			t.Errorf("%d expiry index keys, want 0", keys)
		}
		return err
	})
}

func TestSeen(t *testing.T) {
	v, _ := newVault(t)
	update(t, v, func(tx *Tx) error {
		for i, id := range []string{"a", "b", "c"} {
			if err := tx.MarkSeen("env", id, t0.Add(time.Duration(i)*time.Hour)); err != nil {
				return err
			}
		}
		// Moving b's expiry far out keeps it past the prune below.
		return errors.Join(tx.MarkSeen("env", "b", t0.Add(48*time.Hour)), tx.MarkSeen("other", "a", t0))
	})
	n, err := v.PruneSeen(t0.Add(2 * time.Hour))
	if err != nil || n != 3 {
		t.Fatalf("PruneSeen = %d, %v; want 3 (env/a, env/c, other/a)", n, err)
	}
	view(t, v, func(tx *Tx) error {
		for id, want := range map[string]bool{"a": false, "b": true, "c": false, "d": false} {
			got, err := tx.IsSeen("env", id)
			if err != nil || got != want {
				t.Errorf("IsSeen(env, %s) = %v, %v; want %v", id, got, err, want)
			}
		}
		return nil
	})
}

func TestPruneSeenBatches(t *testing.T) {
	v, _ := newVault(t)
	const total = pruneBatch*2 + 10
	for start := 0; start < total; start += 500 {
		update(t, v, func(tx *Tx) error {
			for i := start; i < min(start+500, total); i++ {
				if err := tx.MarkSeen("n", string(rune('A'+i%26))+string(rune(i)), t0); err != nil {
					return err
				}
			}
			return nil
		})
	}
	n, err := v.PruneSeen(t0)
	if err != nil || n != total {
		t.Fatalf("PruneSeen = %d, %v; want %d", n, err, total)
	}
}

func TestRequestRoundTrip(t *testing.T) {
	v, _ := newVault(t)
	r1 := sampleRequest()
	r0 := Request{PeerID: "12D3KooWZed", Name: "Zed", ReceivedAt: t0.Add(-time.Hour)}
	update(t, v, func(tx *Tx) error { return errors.Join(tx.PutRequest(r1), tx.PutRequest(r0)) })
	view(t, v, func(tx *Tx) error {
		list, err := tx.ListRequests()
		checkEqual(t, "len(ListRequests)", len(list), 2)
		if len(list) == 2 {
			checkEqual(t, "ListRequests[0] (oldest)", list[0], r0)
			checkEqual(t, "ListRequests[1]", list[1], r1)
		}
		n, err2 := tx.CountRequests()
		checkEqual(t, "CountRequests", n, 2)
		got, err3 := tx.GetRequest(r1.PeerID)
		checkEqual(t, "GetRequest", got, r1)
		return errors.Join(err, err2, err3)
	})
	update(t, v, func(tx *Tx) error { return tx.DeleteRequest(r1.PeerID) })
	view(t, v, func(tx *Tx) error {
		n, err := tx.CountRequests()
		checkEqual(t, "CountRequests after delete", n, 1)
		return err
	})
}

func TestCollectGarbage(t *testing.T) {
	opts := testOptions()
	opts.GCInterval = time.Millisecond // exercise the loop too
	v, err := Create(t.TempDir(), testPass, opts)
	if err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 16<<10) // above valueThreshold: goes to the value log
	for range 20 {
		update(t, v, func(tx *Tx) error { return tx.PutSetting("big", big) })
	}
	if err := v.CollectGarbage(); err != nil {
		t.Fatalf("CollectGarbage: %v", err)
	}
	if err := v.Close(); err != nil {
		t.Fatalf("Close with GC loop: %v", err)
	}
	if err := v.CollectGarbage(); !errors.Is(err, ErrClosed) {
		t.Fatalf("CollectGarbage after Close = %v, want ErrClosed", err)
	}
}

// TestRemoveOutbox: RemoveOutbox deletes the item it is given and its index
// entry without reading them, leaves other items, and removing an item
// twice (or one never stored) is not an error.
func TestRemoveOutbox(t *testing.T) {
	v, _ := newVault(t)
	o1 := sampleOutbox()
	o2 := Outbox{ID: "o2", To: "x", Kind: "msg", CreatedAt: t0.Add(time.Second)}
	update(t, v, func(tx *Tx) error { return errors.Join(tx.AddOutbox(o1), tx.AddOutbox(o2)) })
	update(t, v, func(tx *Tx) error { return errors.Join(tx.RemoveOutbox(o1), tx.RemoveOutbox(o1)) })
	view(t, v, func(tx *Tx) error {
		list, err := tx.ListOutbox()
		checkEqual(t, "ListOutbox after RemoveOutbox", list, []Outbox{o2})
		_, err2 := tx.GetOutbox(o1.ID)
		if !errors.Is(err2, ErrNotFound) {
			t.Errorf("GetOutbox(removed) = %v, want ErrNotFound", err2)
		}
		return err
	})
	if err := v.Update(func(tx *Tx) error { return tx.RemoveOutbox(Outbox{}) }); err == nil {
		t.Error("RemoveOutbox of an item without an ID succeeded")
	}
}

// TestUpdateStatusAt: with the time the message was stored under, the
// status changes without the index; with another time it falls back to
// the index and still changes; a missing message is ErrNotFound; fn's
// false stores nothing.
func TestUpdateStatusAt(t *testing.T) {
	v, _ := newVault(t)
	m := sampleMessage()
	update(t, v, func(tx *Tx) error { return tx.AddMessage(m) })
	set := func(at time.Time, id, status string, store bool) error {
		return v.Update(func(tx *Tx) error {
			return tx.UpdateStatusAt(m.Conv, id, at, func(old string, outgoing bool) (string, bool) {
				if !outgoing {
					t.Errorf("UpdateStatusAt: fn told the outgoing message is incoming")
				}
				return status, store
			})
		})
	}
	status := func() string {
		var got Message
		view(t, v, func(tx *Tx) (err error) { got, err = tx.GetMessage(m.Conv, m.ID); return err })
		return got.Status
	}
	for _, c := range []struct {
		name   string
		at     time.Time
		status string
		store  bool
		want   string
	}{
		{"its own time", m.SentAt, "mailbox", true, "mailbox"},
		{"another time: through the index", m.SentAt.Add(time.Hour), "delivered", true, "delivered"},
		{"fn declines", m.SentAt, "queued", false, "delivered"},
	} {
		if err := set(c.at, m.ID, c.status, c.store); err != nil {
			t.Fatalf("%s: UpdateStatusAt: %v", c.name, err)
		}
		if got := status(); got != c.want {
			t.Errorf("%s: status = %q, want %q", c.name, got, c.want)
		}
	}
	if err := set(m.SentAt, "missing", "delivered", true); !errors.Is(err, ErrNotFound) {
		t.Errorf("UpdateStatusAt(missing) = %v, want ErrNotFound", err)
	}
}
