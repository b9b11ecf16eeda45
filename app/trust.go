package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/parley-chat/parley/vault"
)

// getContact reads contact peer, mapping a missing one to ErrUnknownContact.
func getContact(tx *vault.Tx, peer PeerID) (vault.Contact, error) {
	vc, err := tx.GetContact(string(peer))
	if errors.Is(err, vault.ErrNotFound) {
		return vc, ErrUnknownContact
	}
	return vc, err
}

// updateContact applies fn to contact peer in one transaction and emits
// ContactChanged.
func (c *Client) updateContact(peer PeerID, fn func(tx *vault.Tx, vc *vault.Contact) error) error {
	var out vault.Contact
	err := c.v.Update(func(tx *vault.Tx) error {
		vc, err := getContact(tx, peer)
		if err != nil {
			return err
		}
		if err := fn(tx, &vc); err != nil {
			return err
		}
		vc.UpdatedAt = c.cfg.Now()
		out = vc
		return tx.PutContact(vc)
	})
	if err != nil {
		return err
	}
	c.hub.emit(ContactChanged{c.contactOf(out)})
	return nil
}

// SafetyNumber returns the digits both friends compare. For a contact whose
// key changed, it is the number for the new key, which is what the user
// must compare before TrustNewKey.
func (c *Client) SafetyNumber(with PeerID) (SafetyNumber, error) {
	if err := c.enter(); err != nil {
		return SafetyNumber{}, err
	}
	defer c.leave()
	var mine, theirs []byte
	err := c.v.View(func(tx *vault.Tx) error {
		vc, err := getContact(tx, with)
		if err != nil {
			return err
		}
		if mine, err = c.myCard(tx); err != nil {
			return err
		}
		theirs = vc.Card
		if vc.KeyChanged {
			if req, err := tx.GetRequest(string(with)); err == nil {
				theirs = req.Card
			}
		}
		return nil
	})
	if err != nil {
		return SafetyNumber{}, fmt.Errorf("safety number: %w", err)
	}
	return safetyNumberOf(mine, theirs)
}

// Verify marks the contact as verified: the user compared safety numbers.
func (c *Client) Verify(ctx context.Context, with PeerID) error {
	if err := c.enter(); err != nil {
		return err
	}
	defer c.leave()
	err := c.updateContact(with, func(_ *vault.Tx, vc *vault.Contact) error {
		if vc.KeyChanged {
			return ErrKeyChanged
		}
		vc.Verified = true
		return nil
	})
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	return ctx.Err()
}

// TrustNewKey accepts the changed identity key of with after the user
// compared safety numbers again: a new session is set up with the new key,
// messages still waiting are sealed again for it, and sending resumes.
func (c *Client) TrustNewKey(ctx context.Context, with PeerID) error {
	if err := c.enter(); err != nil {
		return err
	}
	defer c.leave()
	var evs []Event
	err := c.v.Update(func(tx *vault.Tx) error {
		evs = nil
		vc, err := getContact(tx, with)
		if err != nil {
			return err
		}
		if !vc.KeyChanged {
			return ErrNoKeyChange
		}
		if err := c.acceptTx(tx, with, &evs); err != nil {
			return err
		}
		return c.resealTx(tx, with)
	})
	if err != nil {
		return fmt.Errorf("trust new key: %w", err)
	}
	c.emitAll(evs)
	c.peers.poke(with)
	return ctx.Err()
}

// MarkRead clears the unread count of the conversation with.
func (c *Client) MarkRead(ctx context.Context, with PeerID) error {
	if err := c.enter(); err != nil {
		return err
	}
	defer c.leave()
	err := c.updateContact(with, func(_ *vault.Tx, vc *vault.Contact) error {
		vc.Unread = 0
		return nil
	})
	if err != nil {
		return fmt.Errorf("mark read: %w", err)
	}
	return ctx.Err()
}
