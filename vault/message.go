package vault

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Message is one stored message of a conversation. The zero value is an
// empty record.
type Message struct {
	ID       string
	Conv     string // the contact's peer ID
	From     string
	Outgoing bool
	Text     string
	SentAt   time.Time
	Status   string
}

func (m *Message) record() *MessageRecord {
	return &MessageRecord{
		Id: m.ID, Conv: m.Conv, From: m.From, Outgoing: m.Outgoing,
		Text: m.Text, SentAt: nanos(m.SentAt), Status: m.Status,
	}
}

func (r *MessageRecord) message() Message {
	return Message{
		ID: r.Id, Conv: r.Conv, From: r.From, Outgoing: r.Outgoing,
		Text: r.Text, SentAt: fromNanos(r.SentAt), Status: r.Status,
	}
}

// convPrefix is the key prefix of all messages of conv.
func convPrefix(conv string) ([]byte, error) {
	c, err := lenPrefixed("conversation", conv)
	if err != nil {
		return nil, err
	}
	return key(pfxMessage, c), nil
}

// messageKey is h/<len16 conv><time64 sentAt><id>: byte order is time order
// within a conversation, ties broken by ID.
func messageKey(m *Message) ([]byte, error) {
	p, err := convPrefix(m.Conv)
	if err != nil {
		return nil, err
	}
	id, err := nonEmpty("message ID", m.ID)
	if err != nil {
		return nil, err
	}
	return key(string(p), timeKey(m.SentAt), id), nil
}

// messageIndexKey is hi/<len16 conv><id>; its value is the message key.
func messageIndexKey(conv, id string) ([]byte, error) {
	c, err := lenPrefixed("conversation", conv)
	if err != nil {
		return nil, err
	}
	i, err := nonEmpty("message ID", id)
	if err != nil {
		return nil, err
	}
	return key(pfxMessageIdx, c, i), nil
}

// PutMessage stores m (replacing a message with the same Conv and ID, even if
// its SentAt changed) and its ID index entry.
func (tx *Tx) PutMessage(m Message) error {
	if err := tx.putMessage(&m); err != nil {
		return fmt.Errorf("put message: %w", err)
	}
	return nil
}

func (tx *Tx) putMessage(m *Message) error {
	mk, err := messageKey(m)
	if err != nil {
		return err
	}
	ik, _ := messageIndexKey(m.Conv, m.ID) // valid: messageKey checked both
	old, err := tx.dropMoved(ik, mk)
	switch {
	case err != nil:
		return err
	case old == nil:
	case !bytes.Equal(old, mk): // stored again under another time: its text too
		err = tx.del(bodyKey(old))
	case len(m.Text) < textApartBytes: // a long text may be replaced by a short one
		err = tx.del(bodyKey(mk))
	}
	if err != nil {
		return err
	}
	return tx.putMessageRecord(mk, ik, m)
}

// textApartBytes is the text length from which a message's text is stored
// in a record of its own (schema 2), so that a status change rewrites only
// the small message record, not up to 64 KiB of text. Texts this long go to
// Badger's value log anyway.
const textApartBytes = valueThreshold

// bodyKey is the key of the text of the message stored under mk:
// hb/<len16 conv><time64><id>.
func bodyKey(mk []byte) []byte { return key(pfxBody, mk[len(pfxMessage):]) }

// putMessageRecord writes m under mk and its index entry ik; a long text
// goes to its own record.
func (tx *Tx) putMessageRecord(mk, ik []byte, m *Message) error {
	r, err := tx.recordToStore(mk, m)
	if err != nil {
		return err
	}
	return tx.putIndexed(mk, ik, r)
}

// recordToStore returns the record to store for m under mk, having written
// m's text to its own record first if it is long.
func (tx *Tx) recordToStore(mk []byte, m *Message) (*MessageRecord, error) {
	r := m.record()
	if len(m.Text) < textApartBytes {
		return r, nil
	}
	if err := tx.putString(bodyKey(mk), m.Text); err != nil {
		return nil, err
	}
	return apart(r), nil
}

// messageOf returns the message of record r, stored under mk, with its
// text read from its own record if it is stored apart.
func (tx *Tx) messageOf(mk []byte, r *MessageRecord) (Message, error) {
	m := r.message()
	if !r.TextApart {
		return m, nil
	}
	text, err := tx.get(bodyKey(mk))
	if errors.Is(err, ErrNotFound) {
		return Message{}, fmt.Errorf("text of message %q: %w", r.Id, ErrIntegrity)
	}
	if err != nil {
		return Message{}, err
	}
	m.Text = string(text)
	return m, nil
}

// lookupMessage returns the message key of (conv, id) from the index.
func (tx *Tx) lookupMessage(conv, id string) ([]byte, error) {
	ik, err := messageIndexKey(conv, id)
	if err != nil {
		return nil, err
	}
	return tx.get(ik)
}

// GetMessage returns message id of conv, or ErrNotFound.
func (tx *Tx) GetMessage(conv, id string) (Message, error) {
	m, err := tx.getMessage(conv, id)
	if err != nil {
		return Message{}, fmt.Errorf("get message: %w", err)
	}
	return m, nil
}

func (tx *Tx) getMessage(conv, id string) (Message, error) {
	mk, r, err := tx.messageRecord(conv, id)
	if err != nil {
		return Message{}, err
	}
	return tx.messageOf(mk, r)
}

// messageRecord returns the key and the stored record of message id of
// conv (its text empty if stored apart).
func (tx *Tx) messageRecord(conv, id string) ([]byte, *MessageRecord, error) {
	mk, err := tx.lookupMessage(conv, id)
	if err != nil {
		return nil, nil, err
	}
	var r MessageRecord
	if err := tx.getProto(mk, &r); err != nil {
		return nil, nil, err
	}
	return mk, &r, nil
}

// HasMessage reports whether message id of conv is stored (for dedupe).
func (tx *Tx) HasMessage(conv, id string) (bool, error) {
	ik, err := messageIndexKey(conv, id)
	var ok bool
	if err == nil {
		ok, err = tx.has(ik)
	}
	if err != nil {
		return false, fmt.Errorf("has message: %w", err)
	}
	return ok, nil
}

// AddMessage stores m, whose ID was just made at random (no message can
// have it yet), and its ID index entry, without looking up an older one to
// replace: the sender's path.
func (tx *Tx) AddMessage(m Message) error {
	mk, err := messageKey(&m)
	if err == nil {
		ik, _ := messageIndexKey(m.Conv, m.ID) // valid: messageKey checked both
		err = tx.putMessageRecord(mk, ik, &m)
	}
	if err != nil {
		return fmt.Errorf("add message: %w", err)
	}
	return nil
}

// InsertMessage stores m and its ID index entry unless a message with m's
// ID is already stored in m.Conv, and reports whether it stored it: the
// duplicate check and the write of the receive path with one lookup.
func (tx *Tx) InsertMessage(m Message) (bool, error) {
	mk, err := messageKey(&m)
	if err != nil {
		return false, fmt.Errorf("insert message: %w", err)
	}
	ik, _ := messageIndexKey(m.Conv, m.ID) // valid: messageKey checked both
	switch _, err := tx.get(ik); {
	case err == nil:
		return false, nil
	case !errors.Is(err, ErrNotFound):
		return false, fmt.Errorf("insert message: %w", err)
	}
	if err := tx.putMessageRecord(mk, ik, &m); err != nil {
		return false, fmt.Errorf("insert message: %w", err)
	}
	return true, nil
}

// UpdateMessage reads message id of conv (or returns ErrNotFound), lets fn
// change it, and stores it again if fn returns true; fn must not change
// the ID, Conv or SentAt (which place it in the history). It reads the
// index entry, the record and a long text stored apart; it rewrites a long
// text only if fn changed it, and never the index entry. For a status
// change, UpdateStatus reads less.
func (tx *Tx) UpdateMessage(conv, id string, fn func(*Message) bool) error {
	if err := tx.updateMessage(conv, id, fn); err != nil {
		return fmt.Errorf("update message: %w", err)
	}
	return nil
}

func (tx *Tx) updateMessage(conv, id string, fn func(*Message) bool) error {
	mk, r, err := tx.messageRecord(conv, id)
	if err != nil {
		return err
	}
	m, err := tx.messageOf(mk, r)
	if err != nil {
		return err
	}
	text := m.Text
	if !fn(&m) {
		return nil
	}
	if m.ID != r.Id || m.Conv != r.Conv || nanos(m.SentAt) != r.SentAt {
		return errors.New("the ID, conversation and time of a message cannot be updated")
	}
	if r.TextApart && m.Text == text {
		return tx.putProto(mk, apart(m.record()))
	}
	if r.TextApart && len(m.Text) < textApartBytes { // now short: no stale long text stays
		if err := tx.del(bodyKey(mk)); err != nil {
			return err
		}
	}
	nr, err := tx.recordToStore(mk, &m)
	if err != nil {
		return err
	}
	return tx.putProto(mk, nr) // the index entry still names mk
}

// apart marks r as the record of a message whose text is stored in its
// own record, and drops the text from it.
func apart(r *MessageRecord) *MessageRecord {
	r.Text, r.TextApart = "", true
	return r
}

// UpdateStatus reads the status of message id of conv (or returns
// ErrNotFound) and sets it to what fn returns when fn's second result is
// true; fn also learns whether the message is outgoing. It reads and
// writes only the small message record, never a long text stored apart:
// the delivery path of every message.
func (tx *Tx) UpdateStatus(conv, id string, fn func(status string, outgoing bool) (string, bool)) error {
	if err := tx.updateStatus(conv, id, fn); err != nil {
		return fmt.Errorf("update status: %w", err)
	}
	return nil
}

func (tx *Tx) updateStatus(conv, id string, fn func(status string, outgoing bool) (string, bool)) error {
	mk, r, err := tx.messageRecord(conv, id)
	if err != nil {
		return err
	}
	return tx.setStatus(mk, r, fn)
}

// UpdateStatusAt is UpdateStatus for a message the caller believes was
// stored with SentAt sentAt (a sender settling its own message): it reads
// the record under the key that time gives, skipping the index entry, and
// falls back to the index when no record is there (the message was stored
// under another time, or is gone).
func (tx *Tx) UpdateStatusAt(conv, id string, sentAt time.Time, fn func(status string, outgoing bool) (string, bool)) error {
	if err := tx.updateStatusAt(conv, id, sentAt, fn); err != nil {
		return fmt.Errorf("update status: %w", err)
	}
	return nil
}

func (tx *Tx) updateStatusAt(conv, id string, sentAt time.Time, fn func(status string, outgoing bool) (string, bool)) error {
	mk, err := messageKey(&Message{Conv: conv, ID: id, SentAt: sentAt})
	if err != nil {
		return err
	}
	var r MessageRecord
	switch err := tx.getProto(mk, &r); {
	case errors.Is(err, ErrNotFound):
		return tx.updateStatus(conv, id, fn)
	case err != nil:
		return err
	}
	return tx.setStatus(mk, &r, fn)
}

// setStatus stores r, the record under mk, with the status fn gives it.
func (tx *Tx) setStatus(mk []byte, r *MessageRecord, fn func(status string, outgoing bool) (string, bool)) error {
	status, ok := fn(r.Status, r.Outgoing)
	if !ok {
		return nil
	}
	r.Status = status
	return tx.putProto(mk, r)
}

// SetMessageStatus updates the delivery status of message id of conv, or
// returns ErrNotFound.
func (tx *Tx) SetMessageStatus(conv, id, status string) error {
	err := tx.updateStatus(conv, id, func(string, bool) (string, bool) { return status, true })
	if err != nil {
		return fmt.Errorf("set message status: %w", err)
	}
	return nil
}

// DeleteMessage removes message id of conv and its index entry (no error if
// absent).
func (tx *Tx) DeleteMessage(conv, id string) error {
	mk, err := tx.lookupMessage(conv, id)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err == nil {
		err = tx.del(mk)
	}
	if err == nil {
		err = tx.del(bodyKey(mk))
	}
	if err == nil {
		ik, _ := messageIndexKey(conv, id)
		err = tx.del(ik)
	}
	if err != nil {
		return fmt.Errorf("delete message: %w", err)
	}
	return nil
}

// History returns up to limit messages of conv, newest first, that are
// older than message beforeID; beforeID "" means the newest page. Pass the
// ID of the last message of a page to get the next (older) page; an empty
// result means there is nothing older. It reads only the page, with a
// reverse iterator seeking from the cursor.
func (tx *Tx) History(conv, beforeID string, limit int) ([]Message, error) {
	msgs, err := tx.history(conv, beforeID, limit)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	return msgs, nil
}

func (tx *Tx) history(conv, beforeID string, limit int) ([]Message, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("limit %d must be positive", limit)
	}
	prefix, err := convPrefix(conv)
	if err != nil {
		return nil, err
	}
	seek := successor(prefix)
	if beforeID != "" {
		if seek, err = tx.lookupMessage(conv, beforeID); err != nil {
			return nil, fmt.Errorf("cursor %q: %w", beforeID, err)
		}
	}
	opts := badger.IteratorOptions{
		Reverse: true, Prefix: prefix,
		PrefetchValues: true, PrefetchSize: min(limit, 100),
	}
	it := tx.txn.NewIterator(opts)
	defer it.Close()
	out := make([]Message, 0, min(limit, 1000))
	for it.Seek(seek); it.ValidForPrefix(prefix) && len(out) < limit; it.Next() {
		item := it.Item()
		if beforeID != "" && bytes.Equal(item.Key(), seek) {
			continue // the cursor itself
		}
		plain, err := tx.openItem(item)
		if err != nil {
			return nil, err
		}
		var r MessageRecord
		if err := unmarshal(plain, &r); err != nil {
			return nil, err
		}
		m, err := tx.messageOf(item.Key(), &r) // read before it.Next
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// successor returns the smallest key greater than every key with prefix p.
// p never consists only of 0xFF bytes (it starts with a letter).
func successor(p []byte) []byte {
	s := bytes.Clone(p)
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] != 0xFF {
			s[i]++
			return s[:i+1]
		}
	}
	return s
}
