package vault

import (
	"errors"
	"fmt"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

// TestDeleteConversation: bounded batches delete the oldest messages with
// their index entries, then stray index entries, and never touch another
// conversation (not even one whose name prefixes this one's).
func TestDeleteConversation(t *testing.T) {
	v, _ := newVault(t)
	msgs := fillConv(t, v, "conv-a", 10, 10)
	fillConv(t, v, "conv-b", 10, 10)
	fillConv(t, v, "conv-", 10, 10)
	c, _ := lenPrefixed("conversation", "conv-a")
	update(t, v, func(tx *Tx) error { return tx.put(key(pfxMessageIdx, c, []byte("stray")), []byte("h/gone")) })

	var done bool
	update(t, v, func(tx *Tx) (err error) { done, err = tx.DeleteConversation("conv-a", 7); return err })
	if done {
		t.Fatal("DeleteConversation(conv-a, 7) = done with 21 records stored")
	}
	view(t, v, func(tx *Tx) error {
		left, err := tx.History("conv-a", "", 100)
		// 7 deletes take the 2 oldest messages (message, index entry, text record).
		if len(left) != 8 || left[7].ID != msgs[2].ID {
			t.Errorf("after one batch of 7: %d messages left (%v), want the 8 newest", len(left), err)
		}
		if ok, _ := tx.HasMessage("conv-a", msgs[0].ID); ok {
			t.Error("an index entry outlived its message")
		}
		return nil
	})
	for rounds := 1; !done; rounds++ {
		if rounds > 10 {
			t.Fatal("DeleteConversation does not finish")
		}
		update(t, v, func(tx *Tx) (err error) { done, err = tx.DeleteConversation("conv-a", 7); return err })
	}
	view(t, v, func(tx *Tx) error {
		if n, _ := tx.count(pfxMessage + string(c)); n != 0 {
			t.Errorf("%d messages of conv-a left", n)
		}
		if n, _ := tx.count(pfxMessageIdx + string(c)); n != 0 {
			t.Errorf("%d index entries of conv-a left", n)
		}
		for _, other := range []string{"conv-b", "conv-"} {
			if left, err := tx.History(other, "", 100); len(left) != 10 {
				t.Errorf("History(%s) = %d messages (%v), want 10 untouched", other, len(left), err)
			}
		}
		return nil
	})
	update(t, v, func(tx *Tx) (err error) { done, err = tx.DeleteConversation("conv-a", DeleteBatch); return err })
	if !done {
		t.Error("DeleteConversation of an empty conversation = not done")
	}
	if err := v.Update(func(tx *Tx) error { _, err := tx.DeleteConversation("", 1); return err }); err == nil {
		t.Error("DeleteConversation(\"\") = nil error")
	}
}

// TestDeleteConversationBeyondTxnLimit: a conversation too big for one
// Badger transaction is deleted in DeleteBatch-sized transactions.
func TestDeleteConversationBeyondTxnLimit(t *testing.T) {
	v, _ := newVault(t)
	const n = 15_000 // 45,000 deletes: message, index entry, text record
	fillConv(t, v, "big", n, 1000)
	err := v.Update(func(tx *Tx) error { _, err := tx.DeleteConversation("big", 2*n); return err })
	if !errors.Is(err, badger.ErrTxnTooBig) {
		t.Fatalf("deleting %d records in one transaction = %v, want ErrTxnTooBig (else DeleteBatch is moot)", 2*n, err)
	}
	rounds := 0
	for done := false; !done; rounds++ {
		update(t, v, func(tx *Tx) (err error) { done, err = tx.DeleteConversation("big", DeleteBatch); return err })
	}
	if want := (3*n + DeleteBatch - 1) / DeleteBatch; rounds != want {
		t.Errorf("%d transactions, want %d", rounds, want)
	}
	view(t, v, func(tx *Tx) error {
		if left, _ := tx.History("big", "", 10); len(left) != 0 {
			t.Errorf("%d messages left", len(left))
		}
		return nil
	})
}

// TestDeleteConversationTinyBudget: a budget below one message's three
// deletes still makes progress, one message per call.
func TestDeleteConversationTinyBudget(t *testing.T) {
	v, _ := newVault(t)
	for _, max := range []int{1, 2} {
		t.Run(fmt.Sprint(max), func(t *testing.T) {
			fillConv(t, v, "tiny", 3, 3)
			done, rounds := false, 0
			for ; !done && rounds < 10; rounds++ {
				update(t, v, func(tx *Tx) (err error) { done, err = tx.DeleteConversation("tiny", max); return err })
			}
			if !done || rounds != 3 { // one message per call; the last call sees none left
				t.Errorf("max %d: done=%v after %d calls, want done after 3", max, done, rounds)
			}
		})
	}
}
