package vault

import (
	"fmt"
	"time"
)

// Contact is a friend or pending friend with everything the app keeps about
// them. The zero value is an empty record.
type Contact struct {
	PeerID      string
	Name        string
	State       string
	Card        []byte // their signed contact card
	PinnedKey   []byte // identity key pinned at friendship time
	PendingKey  []byte // a changed key awaiting the user's decision
	Verified    bool
	KeyChanged  bool
	Greeting    string
	Handshake   []byte // opaque pending handshake state
	Unread      int
	LastMessage string
	LastAt      time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func (c *Contact) record() *ContactRecord {
	return &ContactRecord{
		PeerId: c.PeerID, Name: c.Name, State: c.State, Card: c.Card,
		PinnedKey: c.PinnedKey, PendingKey: c.PendingKey,
		Verified: c.Verified, KeyChanged: c.KeyChanged,
		Greeting: c.Greeting, Handshake: c.Handshake,
		Unread: int64(c.Unread), LastMessage: c.LastMessage,
		LastAt: nanos(c.LastAt), CreatedAt: nanos(c.CreatedAt), UpdatedAt: nanos(c.UpdatedAt),
	}
}

func (r *ContactRecord) contact() Contact {
	return Contact{
		PeerID: r.PeerId, Name: r.Name, State: r.State, Card: r.Card,
		PinnedKey: r.PinnedKey, PendingKey: r.PendingKey,
		Verified: r.Verified, KeyChanged: r.KeyChanged,
		Greeting: r.Greeting, Handshake: r.Handshake,
		Unread: int(r.Unread), LastMessage: r.LastMessage,
		LastAt: fromNanos(r.LastAt), CreatedAt: fromNanos(r.CreatedAt), UpdatedAt: fromNanos(r.UpdatedAt),
	}
}

func contactKey(peerID string) ([]byte, error) {
	id, err := nonEmpty("peer ID", peerID)
	if err != nil {
		return nil, err
	}
	return key(pfxContact, id), nil
}

// PutContact stores (replaces) the contact c.PeerID.
func (tx *Tx) PutContact(c Contact) error {
	k, err := contactKey(c.PeerID)
	if err == nil {
		err = tx.putProto(k, c.record())
	}
	if err != nil {
		return fmt.Errorf("put contact: %w", err)
	}
	return nil
}

// GetContact returns the contact peerID, or ErrNotFound.
func (tx *Tx) GetContact(peerID string) (Contact, error) {
	k, err := contactKey(peerID)
	var r ContactRecord
	if err == nil {
		err = tx.getProto(k, &r)
	}
	if err != nil {
		return Contact{}, fmt.Errorf("get contact: %w", err)
	}
	return r.contact(), nil
}

// ListContacts returns all contacts ordered by peer ID.
func (tx *Tx) ListContacts() ([]Contact, error) {
	var out []Contact
	err := tx.scan([]byte(pfxContact), false, func(_, plain []byte) error {
		var r ContactRecord
		if err := unmarshal(plain, &r); err != nil {
			return err
		}
		out = append(out, r.contact())
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list contacts: %w", err)
	}
	return out, nil
}

// DeleteContact removes the contact peerID (no error if absent). Its session,
// messages and requests are separate records the caller deletes as needed.
func (tx *Tx) DeleteContact(peerID string) error {
	k, err := contactKey(peerID)
	if err == nil {
		err = tx.del(k)
	}
	if err != nil {
		return fmt.Errorf("delete contact: %w", err)
	}
	return nil
}
