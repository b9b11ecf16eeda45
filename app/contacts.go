package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/parley-chat/parley/vault"
)

// Contacts returns every contact (friends, sent requests, key changes),
// most recent conversation first. It returns nil after Close.
func (c *Client) Contacts() []Contact {
	if c.enter() != nil {
		return nil
	}
	defer c.leave()
	var list []vault.Contact
	var me vault.Profile
	err := c.v.View(func(tx *vault.Tx) error {
		var err error
		if me, err = tx.GetProfile(); err != nil {
			return err
		}
		list, err = tx.ListContacts()
		return err
	})
	if err != nil {
		c.log.Warn("list contacts", "err", err)
		return nil
	}
	c.names.reset(me.Name, list) // the stored contacts are authoritative
	out := make([]Contact, 0, len(list))
	for _, vc := range list {
		out = append(out, c.contactOf(vc))
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].LastAt.After(out[j].LastAt) })
	return out
}

// contactOf converts a stored contact for the frontends.
func (c *Client) contactOf(vc vault.Contact) Contact {
	p := PeerID(vc.PeerID)
	return Contact{
		PeerID: p, Name: c.names.contact(p, vc.Name), State: ContactState(vc.State),
		Online: c.peers.isOnline(p), Verified: vc.Verified, Unread: vc.Unread,
		LastMessage: preview(vc.LastMessage), LastAt: vc.LastAt,
	}
}

// Requests returns the friend requests waiting for an answer, oldest first.
func (c *Client) Requests() []Request {
	if c.enter() != nil {
		return nil
	}
	defer c.leave()
	var list []vault.Request
	err := c.v.View(func(tx *vault.Tx) error {
		var err error
		list, err = tx.ListRequests()
		return err
	})
	if err != nil {
		c.log.Warn("list requests", "err", err)
		return nil
	}
	out := make([]Request, 0, len(list))
	for _, r := range list {
		if r.Greeting == keyChangeMarker {
			continue // a changed key of a known contact, not a new request
		}
		out = append(out, c.requestOf(r))
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ReceivedAt.Before(out[j].ReceivedAt) })
	return out
}

// requestOf converts a stored request for the frontends.
func (c *Client) requestOf(r vault.Request) Request {
	p := PeerID(r.PeerID)
	return Request{PeerID: p, Name: c.names.request(p, r.Name), Greeting: sanitizeGreeting(r.Greeting), ReceivedAt: r.ReceivedAt}
}

// keyChangeMarker marks a stored request that carries a known contact's new
// key (held until TrustNewKey) rather than a stranger's request.
const keyChangeMarker = "\x00key-change"

// AddContact sends a friend request to the owner of an invite (a parley:
// URI) or of an @username, resolved through our home node's directory. It
// returns the peer ID; the request is delivered in the background. If that
// person already asked us, this accepts their request instead.
func (c *Client) AddContact(ctx context.Context, inviteOrUsername, greeting string) (PeerID, error) {
	if err := c.enter(); err != nil {
		return "", err
	}
	defer c.leave()
	ci, err := c.resolveCard(ctx, strings.TrimSpace(inviteOrUsername))
	if err != nil {
		return "", err
	}
	if ci.Peer == c.id.peerID() {
		return "", ErrSelf
	}
	var evs []Event
	err = c.v.Update(func(tx *vault.Tx) error {
		evs = nil
		return c.addContactTx(tx, ci, sanitizeGreeting(greeting), &evs)
	})
	if err != nil {
		return "", fmt.Errorf("add contact: %w", err)
	}
	c.peers.setCard(ci)
	c.emitAll(evs)
	c.peers.poke(ci.Peer)
	return ci.Peer, nil
}

func (c *Client) addContactTx(tx *vault.Tx, ci cardInfo, greeting string, evs *[]Event) error {
	if _, err := tx.GetRequest(string(ci.Peer)); err == nil {
		return c.acceptTx(tx, ci.Peer, evs)
	}
	old, err := tx.GetContact(string(ci.Peer))
	switch {
	case err == nil && !bytes.Equal(old.PinnedKey, ci.Key):
		return ErrKeyChanged
	case err == nil:
		return ErrAlreadyFriend
	case !errors.Is(err, vault.ErrNotFound):
		return err
	}
	myCard, err := c.myCard(tx)
	if err != nil {
		return err
	}
	packet, state, err := c.id.newRequest(ci, myCard, greeting)
	if err != nil {
		return err
	}
	now := c.cfg.Now()
	vc := vault.Contact{
		PeerID: string(ci.Peer), Name: ci.Name, State: string(StateRequested), Card: ci.Raw,
		PinnedKey: ci.Key, Greeting: greeting, Handshake: state, CreatedAt: now, UpdatedAt: now, LastAt: now,
	}
	if err := tx.PutContact(vc); err != nil {
		return err
	}
	*evs = append(*evs, ContactChanged{c.contactOf(vc)})
	return c.queueTx(tx, ci.Peer, kindRequest, newID(c.cfg.Now()), packet)
}

// resolveCard reads an invite, or resolves @username on our home nodes.
func (c *Client) resolveCard(ctx context.Context, s string) (cardInfo, error) {
	if !strings.HasPrefix(s, "@") {
		return parseInviteCard(s)
	}
	name, err := normalizeUsername(s)
	if err != nil {
		return cardInfo{}, err
	}
	homes := c.nodes.home()
	if len(homes) == 0 {
		return cardInfo{}, ErrNoNode
	}
	var errs []error
	for _, n := range homes {
		cctx, cancel := context.WithTimeout(ctx, c.cfg.Timing.Call)
		raw, _, err := n.Resolve(cctx, name)
		cancel()
		if err == nil {
			return parseCard(raw)
		}
		errs = append(errs, err)
	}
	return cardInfo{}, fmt.Errorf("resolve @%s: %w", name, errors.Join(errs...))
}

// Accept accepts the friend request of peer: the friendship is complete on
// our side at once, and the answer is delivered in the background.
func (c *Client) Accept(ctx context.Context, peer PeerID) error {
	if err := c.enter(); err != nil {
		return err
	}
	defer c.leave()
	var evs []Event
	err := c.v.Update(func(tx *vault.Tx) error {
		evs = nil
		return c.acceptTx(tx, peer, &evs)
	})
	if err != nil {
		return fmt.Errorf("accept: %w", err)
	}
	c.emitAll(evs)
	c.peers.poke(peer)
	return ctx.Err()
}

// acceptTx answers the stored request of peer: session, contact, outbox.
func (c *Client) acceptTx(tx *vault.Tx, peer PeerID, evs *[]Event) error {
	req, err := tx.GetRequest(string(peer))
	if errors.Is(err, vault.ErrNotFound) {
		return ErrUnknownContact
	}
	if err != nil {
		return err
	}
	ci, err := parseCard(req.Card)
	if err != nil {
		return err
	}
	myCard, err := c.myCard(tx)
	if err != nil {
		return err
	}
	packet, session, err := c.id.accept(req.Payload, myCard)
	if err != nil {
		return err
	}
	now := c.cfg.Now()
	vc, err := tx.GetContact(string(peer))
	if err != nil && !errors.Is(err, vault.ErrNotFound) {
		return err
	}
	wasFriend := err == nil && vc.State == string(StateFriend)
	if errors.Is(err, vault.ErrNotFound) {
		vc = vault.Contact{PeerID: string(peer), CreatedAt: now, LastAt: now}
	}
	vc.Name, vc.Card, vc.PinnedKey, vc.State = ci.Name, ci.Raw, ci.Key, string(StateFriend)
	vc.PendingKey, vc.KeyChanged, vc.Handshake, vc.UpdatedAt = nil, false, nil, now
	for _, f := range []func() error{
		func() error { return tx.PutContact(vc) },
		func() error { return tx.PutSession(string(peer), session) },
		func() error { return tx.DeleteRequest(string(peer)) },
		func() error { return c.queueTx(tx, peer, kindAccept, newID(c.cfg.Now()), packet) },
	} {
		if err := f(); err != nil {
			return err
		}
	}
	if wasFriend {
		// A friend asked again (they had removed us): what still waits in
		// the outbox was sealed in the old session; seal it again in the
		// new one, behind the accept.
		if err := c.resealTx(tx, peer); err != nil {
			return err
		}
	}
	c.peers.setCard(ci)
	*evs = append(*evs, FriendAccepted{c.contactOf(vc)}, ContactChanged{c.contactOf(vc)})
	return nil
}

// Decline drops the friend request of peer. A replay of it stays dropped.
func (c *Client) Decline(ctx context.Context, peer PeerID) error {
	if err := c.enter(); err != nil {
		return err
	}
	defer c.leave()
	err := c.v.Update(func(tx *vault.Tx) error {
		if _, err := tx.GetRequest(string(peer)); err != nil {
			if errors.Is(err, vault.ErrNotFound) {
				return ErrUnknownContact
			}
			return err
		}
		return tx.DeleteRequest(string(peer))
	})
	if err != nil {
		return fmt.Errorf("decline: %w", err)
	}
	return ctx.Err()
}

// myCard returns our signed card.
func (c *Client) myCard(tx *vault.Tx) ([]byte, error) {
	p, err := tx.GetProfile()
	if err != nil {
		return nil, err
	}
	return p.Card, nil
}

func (c *Client) emitAll(evs []Event) {
	for _, ev := range evs {
		if _, ok := ev.(FriendAccepted); ok {
			signal(c.peers.presence) // a new friend: look them up now
		}
		c.hub.emit(ev)
	}
}
