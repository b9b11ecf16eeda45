package vault

import (
	"errors"
	"fmt"
	"time"
)

// Outbox is one item waiting to be delivered: a sealed payload for a peer,
// with retry bookkeeping. The zero value is an empty record.
type Outbox struct {
	ID          string
	To          string
	Kind        string
	Payload     []byte
	CreatedAt   time.Time
	Attempts    int
	NextAttempt time.Time
}

func (o *Outbox) record() *OutboxRecord {
	return &OutboxRecord{
		Id: o.ID, To: o.To, Kind: o.Kind, Payload: o.Payload,
		CreatedAt: nanos(o.CreatedAt), Attempts: int64(o.Attempts), NextAttempt: nanos(o.NextAttempt),
	}
}

func (r *OutboxRecord) outbox() Outbox {
	return Outbox{
		ID: r.Id, To: r.To, Kind: r.Kind, Payload: r.Payload,
		CreatedAt: fromNanos(r.CreatedAt), Attempts: int(r.Attempts), NextAttempt: fromNanos(r.NextAttempt),
	}
}

// outboxKey is o/<time64 createdAt><id>, so the outbox lists in creation order.
func outboxKey(o *Outbox) ([]byte, error) {
	id, err := nonEmpty("outbox ID", o.ID)
	if err != nil {
		return nil, err
	}
	return key(pfxOutbox, timeKey(o.CreatedAt), id), nil
}

// outboxIndexKey is oi/<id>; its value is the outbox key.
func outboxIndexKey(id string) ([]byte, error) {
	i, err := nonEmpty("outbox ID", id)
	if err != nil {
		return nil, err
	}
	return key(pfxOutboxIdx, i), nil
}

// PutOutbox stores (replaces) the outbox item o.ID.
func (tx *Tx) PutOutbox(o Outbox) error {
	if err := tx.putOutbox(&o); err != nil {
		return fmt.Errorf("put outbox: %w", err)
	}
	return nil
}

func (tx *Tx) putOutbox(o *Outbox) error {
	obk, err := outboxKey(o)
	if err != nil {
		return err
	}
	ik, _ := outboxIndexKey(o.ID)
	if _, err := tx.dropMoved(ik, obk); err != nil {
		return err
	}
	return tx.putIndexed(obk, ik, o.record())
}

// AddOutbox stores the outbox item o whose ID was just made at random (no
// item can have it yet), without looking up an older one to replace.
func (tx *Tx) AddOutbox(o Outbox) error {
	obk, err := outboxKey(&o)
	if err == nil {
		ik, _ := outboxIndexKey(o.ID) // valid: outboxKey checked the ID
		err = tx.putIndexed(obk, ik, o.record())
	}
	if err != nil {
		return fmt.Errorf("add outbox: %w", err)
	}
	return nil
}

// GetOutbox returns the outbox item id, or ErrNotFound.
func (tx *Tx) GetOutbox(id string) (Outbox, error) {
	ik, err := outboxIndexKey(id)
	var r OutboxRecord
	if err == nil {
		var obk []byte
		if obk, err = tx.get(ik); err == nil {
			err = tx.getProto(obk, &r)
		}
	}
	if err != nil {
		return Outbox{}, fmt.Errorf("get outbox: %w", err)
	}
	return r.outbox(), nil
}

// DeleteOutbox removes the outbox item id (no error if absent).
func (tx *Tx) DeleteOutbox(id string) error {
	ik, err := outboxIndexKey(id)
	if err != nil {
		return fmt.Errorf("delete outbox: %w", err)
	}
	obk, err := tx.get(ik)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err == nil {
		err = tx.del(obk)
	}
	if err == nil {
		err = tx.del(ik)
	}
	if err != nil {
		return fmt.Errorf("delete outbox: %w", err)
	}
	return nil
}

// RemoveOutbox removes the outbox item o as AddOutbox or PutOutbox stored
// it (its key follows from o.CreatedAt and o.ID) and its index entry,
// without reading either: the delivery path, which holds the item it
// queued. An item is never stored again under another time, but if it
// were, this would leave that record in the outbox (it would be sent again
// after a restart and dropped as a duplicate by the receiver); DeleteOutbox
// finds the item through the index instead.
func (tx *Tx) RemoveOutbox(o Outbox) error {
	obk, err := outboxKey(&o)
	if err == nil {
		ik, _ := outboxIndexKey(o.ID) // valid: outboxKey checked the ID
		if err = tx.del(obk); err == nil {
			err = tx.del(ik)
		}
	}
	if err != nil {
		return fmt.Errorf("remove outbox: %w", err)
	}
	return nil
}

// ListOutbox returns every outbox item ordered by CreatedAt, then ID.
func (tx *Tx) ListOutbox() ([]Outbox, error) {
	var out []Outbox
	err := tx.scan([]byte(pfxOutbox), false, func(_, plain []byte) error {
		var r OutboxRecord
		if err := unmarshal(plain, &r); err != nil {
			return err
		}
		out = append(out, r.outbox())
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list outbox: %w", err)
	}
	return out, nil
}

// CountOutbox returns the number of outbox items without reading them.
func (tx *Tx) CountOutbox() (int, error) {
	n, err := tx.count(pfxOutbox)
	if err != nil {
		return 0, fmt.Errorf("count outbox: %w", err)
	}
	return n, nil
}

// count returns the number of keys under prefix (values are not read).
func (tx *Tx) count(prefix string) (int, error) {
	n := 0
	err := tx.scan([]byte(prefix), true, func(_, _ []byte) error {
		n++
		return nil
	})
	return n, err
}
