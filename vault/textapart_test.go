package vault

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// version returns the Badger version of the record under k (0: absent).
func version(t *testing.T, v *Vault, k []byte) uint64 {
	t.Helper()
	var ver uint64
	if err := v.View(func(tx *Tx) error {
		item, err := tx.txn.Get(k)
		if err == nil {
			ver = item.Version()
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return ver
}

// TestLongTextApart: a long text is stored in its own record (schema 2);
// every read returns it whole; a status change rewrites only the small
// message record.
func TestLongTextApart(t *testing.T) {
	v, _ := newVault(t)
	long := sampleMessage()
	long.Text = strings.Repeat("long text ", 6554) // 65,540 B
	short := sampleMessage()
	short.ID, short.SentAt = "m2", t0.Add(time.Second)
	update(t, v, func(tx *Tx) error {
		if err := tx.AddMessage(long); err != nil {
			return err
		}
		return tx.AddMessage(short)
	})
	mk, _ := messageKey(&long)
	sk, _ := messageKey(&short)
	view(t, v, func(tx *Tx) error {
		raw, err := tx.get(mk)
		if err != nil || len(raw) > 200 {
			t.Errorf("message record of a long text: %d bytes (%v), want it small", len(raw), err)
		}
		noTextRecord(t, tx, sk, "a short text has a text record")
		got, err := tx.GetMessage(long.Conv, long.ID)
		checkEqual(t, "GetMessage", got, long)
		page, _ := tx.History(long.Conv, "", 10)
		checkEqual(t, "History", page, []Message{short, long})
		return err
	})

	before := version(t, v, bodyKey(mk))
	update(t, v, func(tx *Tx) error {
		return tx.UpdateStatus(long.Conv, long.ID, func(s string, out bool) (string, bool) {
			checkEqual(t, "status seen by fn", []any{s, out}, []any{"queued", true})
			return "delivered", true
		})
	})
	if after := version(t, v, bodyKey(mk)); after != before {
		t.Errorf("UpdateStatus rewrote the long text (version %d → %d)", before, after)
	}
	long.Status = "delivered"
	update(t, v, func(tx *Tx) error {
		return tx.UpdateMessage(long.Conv, long.ID, func(m *Message) bool { m.Status = "read"; return true })
	})
	if after := version(t, v, bodyKey(mk)); after != before {
		t.Errorf("UpdateMessage of the status alone rewrote the long text (version %d → %d)", before, after)
	}
	long.Status = "read"
	view(t, v, func(tx *Tx) error {
		got, err := tx.GetMessage(long.Conv, long.ID)
		checkEqual(t, "after status changes", got, long)
		return err
	})

	// Editing the text to a short one leaves no stale text record.
	update(t, v, func(tx *Tx) error {
		return tx.UpdateMessage(long.Conv, long.ID, func(m *Message) bool { m.Text = "short now"; return true })
	})
	long.Text = "short now"
	view(t, v, func(tx *Tx) error {
		noTextRecord(t, tx, mk, "text record after the text got short")
		got, err := tx.GetMessage(long.Conv, long.ID)
		checkEqual(t, "after edit", got, long)
		return err
	})
}

// TestLongTextMovedAndDeleted: PutMessage under another time, and
// DeleteMessage, take the text record with them.
func TestLongTextMovedAndDeleted(t *testing.T) {
	v, _ := newVault(t)
	m := sampleMessage()
	m.Text = strings.Repeat("x", MaxTestText)
	update(t, v, func(tx *Tx) error { return tx.PutMessage(m) })
	old, _ := messageKey(&m)
	m.SentAt = m.SentAt.Add(time.Minute)
	update(t, v, func(tx *Tx) error { return tx.PutMessage(m) })
	mk, _ := messageKey(&m)
	view(t, v, func(tx *Tx) error {
		noTextRecord(t, tx, old, "text record under the old time")
		got, err := tx.GetMessage(m.Conv, m.ID)
		checkEqual(t, "moved", got, m)
		return err
	})
	update(t, v, func(tx *Tx) error { return tx.DeleteMessage(m.Conv, m.ID) })
	view(t, v, func(tx *Tx) error {
		noTextRecord(t, tx, mk, "text record after DeleteMessage")
		return nil
	})
}

// MaxTestText is a text as long as the app allows (app.MaxTextBytes).
const MaxTestText = 64 << 10

// TestLongTextMissing: a message record that says its text is apart, with
// no text record, is an integrity error, not an empty text.
func TestLongTextMissing(t *testing.T) {
	v, _ := newVault(t)
	m := sampleMessage()
	m.Text = strings.Repeat("y", MaxTestText)
	update(t, v, func(tx *Tx) error { return tx.AddMessage(m) })
	mk, _ := messageKey(&m)
	update(t, v, func(tx *Tx) error { return tx.del(bodyKey(mk)) })
	view(t, v, func(tx *Tx) error {
		if _, err := tx.GetMessage(m.Conv, m.ID); !errors.Is(err, ErrIntegrity) {
			t.Errorf("GetMessage without its text record = %v, want ErrIntegrity", err)
		}
		if _, err := tx.History(m.Conv, "", 10); !errors.Is(err, ErrIntegrity) {
			t.Errorf("History without the text record = %v, want ErrIntegrity", err)
		}
		return nil
	})
}

// TestSchema1LongTextInline: a long text stored inline, as schema 1 did,
// still reads whole and takes a status change.
func TestSchema1LongTextInline(t *testing.T) {
	v, _ := newVault(t)
	m := sampleMessage()
	m.Text = strings.Repeat("z", MaxTestText)
	mk, _ := messageKey(&m)
	ik, _ := messageIndexKey(m.Conv, m.ID)
	update(t, v, func(tx *Tx) error { return tx.putIndexed(mk, ik, m.record()) })
	update(t, v, func(tx *Tx) error {
		return tx.UpdateStatus(m.Conv, m.ID, func(string, bool) (string, bool) { return "delivered", true })
	})
	m.Status = "delivered"
	view(t, v, func(tx *Tx) error {
		got, err := tx.GetMessage(m.Conv, m.ID)
		checkEqual(t, "schema-1 message", got, m)
		return err
	})
}

// noTextRecord fails t if a text record is stored for the message under mk.
func noTextRecord(t *testing.T, tx *Tx, mk []byte, what string) {
	t.Helper()
	if _, err := tx.get(bodyKey(mk)); !errors.Is(err, ErrNotFound) {
		t.Errorf("%s: %v", what, err)
	}
}
