package app

import (
	"context"
	"fmt"

	"github.com/parley-chat/parley/vault"
)

// RemoveContact deletes the contact peer and everything kept about them:
// the ratchet session, a pending request or key change, every outbox item
// addressed to them, and the whole conversation history. It is how the
// user refuses a changed key they do not trust (the alternative to
// TrustNewKey), and how any contact is dropped. Afterwards peer is a
// stranger again: their envelopes are refused, a new friend request from
// them waits in the bounded request queue like anyone's, and their invite
// adds them again. A peer that is not a contact gives ErrUnknownContact (a
// stranger's request is answered with Decline).
//
// Everything is deleted in ONE vault transaction, unless the outbox items
// and history together exceed vault.DeleteBatch records (a transaction
// Badger would refuse as too big): then the oldest records go first, in
// transactions of their own, and the contact goes with the last of them,
// so the contact never disappears while anything of theirs is left.
// ContactRemoved is emitted after the commit. Safe for concurrent use.
func (c *Client) RemoveContact(ctx context.Context, peer PeerID) error {
	if err := c.enter(); err != nil {
		return err
	}
	defer c.leave()
	for done := false; !done; {
		err := c.v.Update(func(tx *vault.Tx) error {
			var err error
			done, err = removeStepTx(tx, peer, vault.DeleteBatch)
			return err
		})
		if err != nil {
			return fmt.Errorf("remove contact: %w", err)
		}
	}
	c.forgetPeer(peer)
	c.log.Info("contact removed", "peer", peer)
	c.hub.emit(ContactRemoved{Peer: peer})
	return ctx.Err()
}

// removeStepTx deletes up to budget records of peer's outbox items and
// history. Once nothing of either is left, it deletes the contact, its
// session and its pending request in the same transaction and reports true.
func removeStepTx(tx *vault.Tx, peer PeerID, budget int) (bool, error) {
	if _, err := getContact(tx, peer); err != nil {
		return false, err
	}
	n, more, err := deleteOutboxTx(tx, peer, budget/2) // record and index: two each
	if err != nil || more {
		return false, err
	}
	if done, err := tx.DeleteConversation(string(peer), budget-2*n); err != nil || !done {
		return false, err
	}
	for _, del := range []func(string) error{tx.DeleteSession, tx.DeleteRequest, tx.DeleteContact} {
		if err := del(string(peer)); err != nil {
			return false, err
		}
	}
	return true, nil
}

// deleteOutboxTx deletes up to max outbox items addressed to peer; it
// returns how many, and whether more are left.
func deleteOutboxTx(tx *vault.Tx, peer PeerID, max int) (int, bool, error) {
	items, err := outboxOf(tx, peer)
	if err != nil {
		return 0, false, err
	}
	n := 0
	for _, it := range items {
		if n == max {
			return n, true, nil
		}
		if err := tx.DeleteOutbox(it.ID); err != nil {
			return n, false, err
		}
		n++
	}
	return n, false, nil
}

// forgetPeer drops what memory holds about a removed contact: its decoded
// session, cached card, presence, name and the items queued for its
// courier, which reads the (now empty) outbox again and so lets go of what
// it still held.
func (c *Client) forgetPeer(p PeerID) {
	c.live.drop(p)
	c.names.forget(p)
	c.peers.forget(p)
}

// drop forgets the cached session of p.
func (l *liveSessions) drop(p PeerID) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.m, p)
}

// forget drops the cached card, presence and queued items of p and makes
// its courier, if it has one, read the outbox again.
func (s *peerState) forget(p PeerID) {
	s.mu.Lock()
	delete(s.cards, p)
	delete(s.online, p)
	delete(s.queued, p)
	_, running := s.couriers[p]
	if running {
		s.pending[p] = true
	}
	s.mu.Unlock()
	if running {
		signal(s.kick)
	}
}
