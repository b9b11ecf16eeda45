package vault

import (
	"fmt"
	"testing"
	"time"
)

// fillConv writes n messages of conv, oldest first, in transactions of
// batch messages. Every third message shares its SentAt with the previous
// one, so ties (ordered by ID) are exercised.
func fillConv(t testing.TB, v *Vault, conv string, n, batch int) []Message {
	t.Helper()
	msgs := make([]Message, n)
	for i := range msgs {
		sent := t0.Add(time.Duration(i-i/3) * time.Second)
		msgs[i] = Message{ID: fmt.Sprintf("id%07d", i), Conv: conv, From: conv, Text: fmt.Sprintf("message %d", i),
			SentAt: sent, Status: "received"}
	}
	for start := 0; start < n; start += batch {
		update(t, v, func(tx *Tx) error {
			for _, m := range msgs[start:min(start+batch, n)] {
				if err := tx.PutMessage(m); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return msgs
}

func TestHistoryPaging(t *testing.T) {
	v, _ := newVault(t)
	const n = 10_000
	msgs := fillConv(t, v, "conv-a", n, 1000)
	fillConv(t, v, "conv-b", 10, 10) // a neighbour that must never leak in
	fillConv(t, v, "conv-", 10, 10)  // a conv whose name prefixes conv-a's
	for _, limit := range []int{7, 50, n + 5} {
		t.Run(fmt.Sprintf("limit%d", limit), func(t *testing.T) {
			next := n - 1 // index in msgs of the message we expect next
			before, pages := "", 0
			for {
				var page []Message
				view(t, v, func(tx *Tx) (err error) {
					page, err = tx.History("conv-a", before, limit)
					return err
				})
				if len(page) == 0 {
					break
				}
				if pages++; pages > n+1 {
					t.Fatalf("paging does not terminate")
				}
				for _, m := range page {
					if next < 0 || m.ID != msgs[next].ID || m.Text != msgs[next].Text {
						t.Fatalf("page %d: got %s, want index %d", pages, m.ID, next)
					}
					next--
				}
				if len(page) > limit {
					t.Fatalf("page of %d messages, limit %d", len(page), limit)
				}
				before = page[len(page)-1].ID
			}
			if next != -1 {
				t.Fatalf("paging stopped with %d messages unseen", next+1)
			}
		})
	}
}

func TestHistoryErrors(t *testing.T) {
	v, _ := newVault(t)
	fillConv(t, v, "c", 3, 3)
	view(t, v, func(tx *Tx) error {
		if _, err := tx.History("c", "missing", 10); err == nil {
			t.Errorf("History with unknown cursor succeeded")
		}
		if _, err := tx.History("c", "", 0); err == nil {
			t.Errorf("History with limit 0 succeeded")
		}
		if page, err := tx.History("empty", "", 10); err != nil || len(page) != 0 {
			t.Errorf("History(empty conv) = %d messages, %v", len(page), err)
		}
		return nil
	})
}

// BenchmarkHistory pages through a conversation of 100,000 messages read
// back from disk (the vault is closed and reopened after filling).
func BenchmarkHistory(b *testing.B) {
	dir := b.TempDir()
	v, err := Create(dir, testPass, Options{KDF: TestKDF, NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	const n = 100_000
	msgs := fillConv(b, v, "conv", n, 2000)
	v.Close()
	v, err = Open(dir, testPass, Options{KDF: TestKDF})
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	for _, c := range []struct {
		name   string
		before string
	}{
		{"newest", ""},
		{"middle", msgs[n/2].ID},
		{"oldest", msgs[60].ID},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				err := v.View(func(tx *Tx) error {
					page, err := tx.History("conv", c.before, 50)
					if err == nil && len(page) != 50 {
						err = fmt.Errorf("page of %d", len(page))
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
