package app

import (
	"bytes"
	"errors"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"google.golang.org/protobuf/proto"

	"github.com/parley-chat/parley/app/e2e"
	"github.com/parley-chat/parley/vault"
)

// seenTTL is how long a processed packet's digest is remembered, so a replay
// is dropped without any work. It outlives the mailbox TTL (720 h).
const seenTTL = 31 * 24 * time.Hour

// seenNS is the Seen-set namespace of packet digests.
const seenNS = "pkt"

// batchResult collects what one ingest transaction produced; it is reset
// whenever the transaction function is run again after a conflict.
type batchResult struct {
	sessions *sessions
	events   []Event
	receipts map[PeerID][]string // message IDs to acknowledge by receipt
	pokes    map[PeerID]struct{}
	// contacts holds the contacts that text messages of the batch update
	// (unread count, preview), written once by flushContacts instead of
	// once per message.
	contacts map[PeerID]*vault.Contact
	changed  map[PeerID]bool // contacts to write
}

func (r *batchResult) reset(id *identity, live *liveSessions) {
	*r = batchResult{
		sessions: id.sessions(live), receipts: make(map[PeerID][]string),
		pokes: make(map[PeerID]struct{}), contacts: make(map[PeerID]*vault.Contact),
		changed: make(map[PeerID]bool),
	}
}

// contact returns p's contact, read once per batch; changes to it are
// written by flushContacts if changed[p] is set.
func (r *batchResult) contact(tx *vault.Tx, p PeerID) (*vault.Contact, error) {
	if vc, ok := r.contacts[p]; ok {
		return vc, nil
	}
	vc, err := tx.GetContact(string(p))
	if err != nil {
		return nil, err
	}
	r.contacts[p] = &vc
	return &vc, nil
}

// flushContacts writes the contacts read by contact and forgets them: call
// it before anything reads or writes contacts in tx directly, and at the
// end of the batch.
func (r *batchResult) flushContacts(tx *vault.Tx) error {
	for p := range r.changed {
		vc := r.contacts[p]
		vc.LastMessage = preview(vc.LastMessage) // onText left the whole text
		if err := tx.PutContact(*vc); err != nil {
			return err
		}
	}
	clear(r.changed)
	clear(r.contacts)
	return nil
}

// ingest processes packets from one source in ONE vault transaction (group
// commit) and returns a verdict per packet. from is the transport-
// authenticated sender of a direct stream, or "" for mailbox items. For
// mailbox items it also seals one receipt per sender in the same
// transaction. Events are emitted only after the commit.
func (c *Client) ingest(from peer.ID, packets [][]byte) ([]Verdict, error) {
	verdicts := make([]Verdict, len(packets))
	sender := peerOfID(from) // base58: once per batch, not per packet
	in := c.prepare(sender, packets)
	var res batchResult
	err := c.v.Update(func(tx *vault.Tx) error {
		res.reset(c.id, c.live)
		for i := range in {
			v, err := c.ingestOne(tx, sender, &in[i], &res)
			if err != nil {
				return err
			}
			verdicts[i] = v
		}
		if err := res.flushContacts(tx); err != nil {
			return err
		}
		if from == "" {
			if err := c.queueReceiptsTx(tx, res.receipts, &res); err != nil {
				return err
			}
		}
		return res.sessions.flush(tx)
	})
	if err != nil {
		for i := range verdicts {
			verdicts[i] = Verdict_VERDICT_RETRY
		}
		return verdicts, err
	}
	res.sessions.commit()
	c.emitAll(res.events)
	for p := range res.pokes {
		c.peers.poke(p)
	}
	return verdicts, nil
}

// ingestOne handles one packet. It returns an error only for vault
// failures, which abort the batch; everything a peer controls ends in a
// verdict.
func (c *Client) ingestOne(tx *vault.Tx, from PeerID, in *inPacket, res *batchResult) (Verdict, error) {
	digest := in.digest
	seen, err := tx.IsSeen(seenNS, digest)
	if err != nil {
		return Verdict_VERDICT_RETRY, err
	}
	if in.err != nil {
		c.dropped("malformed packet", from, in.err)
		return Verdict_VERDICT_REFUSED, nil
	}
	p := &in.p
	if seen {
		c.receiptForCopy(tx, in, res)
		return Verdict_VERDICT_OK, nil
	}
	var v Verdict
	switch b := p.Body.(type) {
	case *Packet_Envelope:
		v, err = c.onEnvelope(tx, from, b.Envelope, in, res)
	case *Packet_Request:
		v, err = c.onRequest(tx, from, b.Request, res)
	case *Packet_Accept:
		v, err = c.onAccept(tx, from, b.Accept, res)
	default:
		c.dropped("empty packet", from, nil)
		return Verdict_VERDICT_REFUSED, nil
	}
	if err != nil || v != Verdict_VERDICT_OK {
		return v, err
	}
	return v, tx.MarkFirstSeen(seenNS, digest, c.cfg.Now().Add(seenTTL))
}

// dropped counts and Debug-logs a packet that was refused.
func (c *Client) dropped(reason string, from PeerID, err error) {
	c.peers.countDrop()
	c.log.Debug("packet dropped", "reason", reason, "peer", from, "err", err)
}

// receiptForCopy acknowledges again a text message we already committed
// when another copy of the very same packet arrives (the sender did not get
// our direct ack and deposited it in our mailbox): without a receipt it
// would stay "in the mailbox" on the sender's side forever. The packet is
// byte-identical to one that verified, so its message_id is authentic.
func (c *Client) receiptForCopy(tx *vault.Tx, in *inPacket, res *batchResult) {
	id := in.p.MessageId
	if in.p.GetEnvelope() == nil || !validID(id) || in.senderErr != nil {
		return
	}
	if _, err := sendable(tx, in.sender); err == nil {
		res.receipts[in.sender] = append(res.receipts[in.sender], id)
	}
}

// onEnvelope opens env, the ratchet message of packet in, from a friend.
// The packet's message_id must match the sealed one; in.chk, if not nil,
// is env with its signature already verified (see prepare).
func (c *Client) onEnvelope(tx *vault.Tx, from PeerID, env []byte, in *inPacket, res *batchResult) (Verdict, error) {
	sender, err, outerID := in.sender, in.senderErr, in.p.MessageId
	if err != nil || (from != "" && from != sender) {
		c.dropped("bad sender", from, err)
		return Verdict_VERDICT_REFUSED, nil
	}
	vc, err := res.contact(tx, sender)
	if errors.Is(err, vault.ErrNotFound) || (err == nil && vc.State != string(StateFriend) && vc.State != string(StateKeyChanged)) {
		c.dropped("not a friend", sender, nil)
		return Verdict_VERDICT_REFUSED, nil
	}
	if err != nil {
		return Verdict_VERDICT_RETRY, err
	}
	if in.forged {
		// The signature by the friend's key (the one their peer ID names)
		// failed in prepare: Open would check the same and fail.
		c.dropped("undecryptable", sender, e2e.ErrDecrypt)
		return Verdict_VERDICT_REFUSED, nil
	}
	plain, err := res.sessions.open(tx, sender, env, in.chk)
	if errors.Is(err, vault.ErrIntegrity) {
		return Verdict_VERDICT_RETRY, err
	}
	if err != nil {
		c.dropped("undecryptable", sender, err)
		return Verdict_VERDICT_REFUSED, nil
	}
	var ct Content
	if err := proto.Unmarshal(plain, &ct); err != nil || !validID(ct.Id) || (outerID != "" && outerID != ct.Id) {
		c.dropped("bad content", sender, err)
		return Verdict_VERDICT_REFUSED, nil
	}
	switch ct.Kind {
	case Kind_KIND_TEXT:
		return Verdict_VERDICT_OK, c.onText(tx, sender, vc, &ct, res)
	case Kind_KIND_RECEIPT:
		return Verdict_VERDICT_OK, c.onReceipt(tx, sender, &ct, res)
	default:
		c.dropped("unknown kind", sender, nil)
		return Verdict_VERDICT_OK, nil // forward compatible: newer kinds are ignored
	}
}

// onText stores an incoming message once; a duplicate ID is dropped.
func (c *Client) onText(tx *vault.Tx, sender PeerID, vc *vault.Contact, ct *Content, res *batchResult) error {
	m := vault.Message{
		ID: ct.Id, Conv: string(sender), From: string(sender), Text: SanitizeText(ct.Text),
		SentAt: unixTime(ct.SentAt), Status: string(StatusReceived),
	}
	if m.SentAt.IsZero() {
		m.SentAt = c.cfg.Now()
	}
	res.receipts[sender] = append(res.receipts[sender], ct.Id) // also for a duplicate: acknowledged again
	if added, err := tx.InsertMessage(m); err != nil || !added {
		return err
	}
	vc.Unread++
	vc.LastMessage, vc.LastAt = m.Text, m.SentAt // flushContacts makes the preview, once
	res.changed[sender] = true
	res.events = append(res.events, MessageArrived{messageOf(m)})
	return nil
}

// onReceipt marks our messages to sender as delivered.
func (c *Client) onReceipt(tx *vault.Tx, sender PeerID, ct *Content, res *batchResult) error {
	for _, id := range ct.ReceiptIds {
		changed := false
		err := tx.UpdateStatus(string(sender), id, func(old string, outgoing bool) (string, bool) {
			changed = outgoing && old != string(StatusDelivered)
			return string(StatusDelivered), changed
		})
		if errors.Is(err, vault.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if changed {
			res.events = append(res.events, MessageStatusChanged{ID: MsgID(id), To: sender, Status: StatusDelivered})
		}
	}
	return nil
}

// queueReceiptsTx seals one receipt per sender for messages that came
// through a mailbox (direct deliveries are acknowledged on the stream).
func (c *Client) queueReceiptsTx(tx *vault.Tx, receipts map[PeerID][]string, res *batchResult) error {
	for peer, ids := range receipts {
		if _, err := sendable(tx, peer); err != nil {
			continue
		}
		id := newID(c.cfg.Now())
		ct := &Content{Id: id, SentAt: c.cfg.Now().UnixNano(), Kind: Kind_KIND_RECEIPT, ReceiptIds: ids}
		if _, err := c.sealTx(tx, res.sessions, peer, ct, id, kindReceipt); err != nil {
			return err
		}
		res.pokes[peer] = struct{}{}
	}
	return nil
}

// onRequest stores a friend request from a stranger (bounded and rate
// limited), resolves crossing requests, and turns a known contact's new key
// into a key change that waits for the user.
func (c *Client) onRequest(tx *vault.Tx, from PeerID, body []byte, res *batchResult) (Verdict, error) {
	if err := res.flushContacts(tx); err != nil {
		return Verdict_VERDICT_RETRY, err
	}
	if !c.reqLimit.allow() {
		// Delayed, not lost: a mailbox item stays on the node (bounded by
		// its quota and TTL) and is fetched again; a direct sender retries.
		c.log.Debug("request rate limited", "peer", from)
		return Verdict_VERDICT_RETRY, nil
	}
	ci, greeting, state, sentAt, err := c.id.openRequest(body)
	if err != nil || (from != "" && from != ci.Peer) || ci.Peer == c.id.peerID() {
		c.dropped("bad request", from, err)
		return Verdict_VERDICT_REFUSED, nil
	}
	req := vault.Request{PeerID: string(ci.Peer), Name: ci.Name, Greeting: sanitizeGreeting(greeting), Card: ci.Raw, Payload: state, ReceivedAt: c.cfg.Now()}
	vc, err := tx.GetContact(string(ci.Peer))
	switch {
	case errors.Is(err, vault.ErrNotFound):
		return c.newRequestTx(tx, req, res)
	case err != nil:
		return Verdict_VERDICT_RETRY, err
	case !bytes.Equal(vc.PinnedKey, ci.Key):
		return c.keyChangeTx(tx, vc, req, ci, res)
	case vc.State == string(StateRequested) && ci.Peer < c.id.peerID():
		// Crossing requests: the smaller peer ID's request wins on both
		// sides, so exactly one session is made.
		if err := tx.PutRequest(req); err != nil {
			return Verdict_VERDICT_RETRY, err
		}
		res.pokes[ci.Peer] = struct{}{}
		res.sessions.forget(ci.Peer)
		return Verdict_VERDICT_OK, c.acceptTx(tx, ci.Peer, &res.events)
	case vc.State == string(StateFriend) && sentAt.After(vc.UpdatedAt):
		// A request made after our friendship began, by the same key:
		// they removed us (or lost the session) and ask again. A replay
		// of an older request is caught here by its signed time (and
		// byte-identical copies by the Seen set before). It waits for the
		// user like any request; accepting it starts a new session.
		return c.newRequestTx(tx, req, res)
	default:
		return Verdict_VERDICT_OK, nil // a replay, or their copy of a crossing request
	}
}

func (c *Client) newRequestTx(tx *vault.Tx, req vault.Request, res *batchResult) (Verdict, error) {
	if _, err := tx.GetRequest(req.PeerID); err == nil {
		return Verdict_VERDICT_OK, nil // asked again: the first one stands
	}
	n, err := tx.CountRequests()
	if err != nil {
		return Verdict_VERDICT_RETRY, err
	}
	if n >= MaxPendingRequests {
		c.dropped("request queue full", PeerID(req.PeerID), nil)
		return Verdict_VERDICT_REFUSED, nil
	}
	if err := tx.PutRequest(req); err != nil {
		return Verdict_VERDICT_RETRY, err
	}
	res.events = append(res.events, FriendRequestReceived{c.requestOf(req)})
	return Verdict_VERDICT_OK, nil
}

// keyChangeTx records that a known contact presented another identity key.
// Nothing is accepted: the contact is marked and sending stops until the
// user calls TrustNewKey.
func (c *Client) keyChangeTx(tx *vault.Tx, vc vault.Contact, req vault.Request, ci cardInfo, res *batchResult) (Verdict, error) {
	req.Greeting = keyChangeMarker
	vc.KeyChanged, vc.PendingKey, vc.State, vc.Verified = true, ci.Key, string(StateKeyChanged), false
	vc.UpdatedAt = c.cfg.Now()
	if err := tx.PutRequest(req); err != nil {
		return Verdict_VERDICT_RETRY, err
	}
	if err := tx.PutContact(vc); err != nil {
		return Verdict_VERDICT_RETRY, err
	}
	c.log.Warn("contact key changed", "peer", vc.PeerID)
	res.events = append(res.events, KeyChanged{PeerID(vc.PeerID)}, ContactChanged{c.contactOf(vc)})
	return Verdict_VERDICT_OK, nil
}

// onAccept completes a friendship we asked for. The accept is sealed
// anonymously, so it is tried against each request we are waiting on.
func (c *Client) onAccept(tx *vault.Tx, from PeerID, body []byte, res *batchResult) (Verdict, error) {
	if err := res.flushContacts(tx); err != nil {
		return Verdict_VERDICT_RETRY, err
	}
	list, err := tx.ListContacts()
	if err != nil {
		return Verdict_VERDICT_RETRY, err
	}
	for _, vc := range list {
		if vc.State != string(StateRequested) || len(vc.Handshake) == 0 || (from != "" && from != PeerID(vc.PeerID)) {
			continue
		}
		ci, session, err := c.id.openAccept(vc.Handshake, body)
		if err != nil || ci.Peer != PeerID(vc.PeerID) || !bytes.Equal(ci.Key, vc.PinnedKey) {
			continue
		}
		vc.State, vc.Handshake, vc.UpdatedAt = string(StateFriend), nil, c.cfg.Now()
		if ci.Name != "" {
			vc.Name = ci.Name
		}
		if err := tx.PutContact(vc); err != nil {
			return Verdict_VERDICT_RETRY, err
		}
		if err := tx.PutSession(vc.PeerID, session); err != nil {
			return Verdict_VERDICT_RETRY, err
		}
		res.sessions.forget(ci.Peer)
		res.pokes[ci.Peer] = struct{}{}
		res.events = append(res.events, FriendAccepted{c.contactOf(vc)}, ContactChanged{c.contactOf(vc)})
		return Verdict_VERDICT_OK, nil
	}
	c.dropped("accept matches no request", from, nil)
	return Verdict_VERDICT_REFUSED, nil
}
