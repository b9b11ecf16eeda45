package rendezvous

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/peerstore"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/core/record"
	ma "github.com/multiformats/go-multiaddr"
	"google.golang.org/protobuf/proto"

	"github.com/parley-chat/parley/p2p"
)

// Presence is what a node knows about one peer.
type Presence struct {
	ID     peer.ID
	Online bool
	// Addrs are the addresses from the peer's signed record (only when
	// online).
	Addrs []ma.Multiaddr
}

// Item is one envelope waiting in the caller's mailbox.
type Item struct {
	// ID names the item for Ack; it is unique on its node.
	ID string
	// Envelope is the sealed envelope exactly as the sender put it.
	Envelope []byte
	// At is when the node stored it.
	At time.Time
}

// Client talks to one rendezvous node over the host h. It keeps one
// persistent stream per protocol. It is safe for concurrent use; requests on
// the same protocol are serialised. The zero value is not usable.
type Client struct {
	h      host.Host
	node   peer.ID
	logger *slog.Logger

	registry, directory, mailbox *p2p.Stream
	// mailboxV1 is set while the node answers the mailbox protocol only in
	// its version 1, which has no FETCH cursor.
	mailboxV1 atomic.Bool
}

// NewClient returns a client of node. It remembers the node's addresses
// but does not dial until the first request. A nil logger discards.
func NewClient(h host.Host, node peer.AddrInfo, logger *slog.Logger) *Client {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	h.Peerstore().AddAddrs(node.ID, node.Addrs, peerstore.PermanentAddrTTL)
	newStream := func(id protocol.ID) *p2p.Stream { return p2p.NewStream(h, node.ID, id, MaxResponseFrame) }
	return &Client{
		h: h, node: node.ID, logger: logger.With("component", "rendezvous"),
		registry:  newStream(p2p.ProtoRegistry),
		directory: newStream(p2p.ProtoDirectory),
		mailbox:   p2p.NewVersionedStream(h, node.ID, MaxResponseFrame, p2p.ProtoMailbox, p2p.ProtoMailboxV1),
	}
}

// Node returns the peer ID of the node this client talks to.
func (c *Client) Node() peer.ID { return c.node }

// Close closes the client's streams (not the host).
func (c *Client) Close() error {
	return errors.Join(c.registry.Close(), c.directory.Close(), c.mailbox.Close())
}

// Register announces the host as online for ttl with a peer record of its
// current addresses, signed by the host's key.
func (c *Client) Register(ctx context.Context, ttl time.Duration) error {
	sk := c.h.Peerstore().PrivKey(c.h.ID())
	if sk == nil {
		return errors.New("register: host has no private key")
	}
	rec := peer.PeerRecordFromAddrInfo(peer.AddrInfo{ID: c.h.ID(), Addrs: c.h.Addrs()})
	env, err := record.Seal(rec, sk)
	if err != nil {
		return fmt.Errorf("register: seal peer record: %w", err)
	}
	signed, err := env.Marshal()
	if err != nil {
		return fmt.Errorf("register: marshal envelope: %w", err)
	}
	req := &RegistryRequest{Op: &RegistryRequest_Register{Register: &Register{
		SignedRecord: signed, TtlSeconds: uint32(ttl / time.Second),
	}}}
	var resp RegistryResponse
	return c.call(ctx, c.registry, "register", req, &resp, resp.GetStatus)
}

// Lookup asks which of ids are online, and at which addresses.
func (c *Client) Lookup(ctx context.Context, ids []peer.ID) ([]Presence, error) {
	if len(ids) > MaxLookupIDs {
		return nil, fmt.Errorf("lookup %d peers (max %d): %w", len(ids), MaxLookupIDs, ErrTooLarge)
	}
	raw := make([][]byte, len(ids))
	for i, id := range ids {
		raw[i] = []byte(id)
	}
	req := &RegistryRequest{Op: &RegistryRequest_Lookup{Lookup: &Lookup{PeerIds: raw}}}
	var resp RegistryResponse
	if err := c.call(ctx, c.registry, "lookup", req, &resp, resp.GetStatus); err != nil {
		return nil, err
	}
	return presences(resp.GetPresences()), nil
}

func presences(in []*PresenceInfo) []Presence {
	out := make([]Presence, 0, len(in))
	for _, p := range in {
		id, err := peer.IDFromBytes(p.GetPeerId())
		if err != nil {
			continue
		}
		pr := Presence{ID: id, Online: p.GetOnline()}
		for _, b := range p.GetAddrs() {
			if a, err := ma.NewMultiaddrBytes(b); err == nil {
				pr.Addrs = append(pr.Addrs, a)
			}
		}
		out = append(out, pr)
	}
	return out
}

// Claim binds username to card for this host's peer ID, or updates the
// card if this peer already owns the name. ErrNameTaken if someone else does.
func (c *Client) Claim(ctx context.Context, username string, card []byte) error {
	req := &DirectoryRequest{Op: &DirectoryRequest_Claim{Claim: &Claim{Username: username, Card: card}}}
	var resp DirectoryResponse
	return c.call(ctx, c.directory, "claim", req, &resp, resp.GetStatus)
}

// Resolve returns the card claimed under username and its owner's peer ID.
// ErrNotFound if nobody claimed it.
func (c *Client) Resolve(ctx context.Context, username string) ([]byte, peer.ID, error) {
	req := &DirectoryRequest{Op: &DirectoryRequest_Resolve{Resolve: &Resolve{Username: username}}}
	var resp DirectoryResponse
	if err := c.call(ctx, c.directory, "resolve", req, &resp, resp.GetStatus); err != nil {
		return nil, "", err
	}
	owner, err := peer.IDFromBytes(resp.GetOwner())
	if err != nil {
		return nil, "", fmt.Errorf("resolve: owner: %w", err)
	}
	return resp.GetCard(), owner, nil
}

// Put deposits a sealed envelope into to's mailbox. A nil error means the
// node has stored it durably.
func (c *Client) Put(ctx context.Context, to peer.ID, envelope []byte) error {
	req := &MailboxRequest{Op: &MailboxRequest_Put{Put: &Put{To: []byte(to), Envelope: envelope}}}
	var resp MailboxResponse
	return c.call(ctx, c.mailbox, "put", req, &resp, resp.GetStatus)
}

// Fetch returns up to max envelopes waiting in this host's mailbox, oldest
// first. They stay there until acknowledged with Ack.
func (c *Client) Fetch(ctx context.Context, max int) ([]Item, error) {
	return c.FetchAfter(ctx, max, "")
}

// FetchAfter is Fetch from a cursor: it returns only items after the item
// named after (the ID of an item fetched earlier, acknowledged or not), so
// a caller can page past items it leaves in the mailbox. after == "" reads
// from the oldest. A node that predates the cursor (/parley/mailbox/1)
// would ignore it and answer from the oldest again: on such a node
// FetchAfter returns ErrNoCursor instead of items.
func (c *Client) FetchAfter(ctx context.Context, max int, after string) ([]Item, error) {
	if max <= 0 || max > MaxFetchItems {
		max = MaxFetchItems
	}
	if after != "" && c.mailboxV1.Load() {
		return nil, fmt.Errorf("fetch: %w", ErrNoCursor)
	}
	req := &MailboxRequest{Op: &MailboxRequest_Fetch{Fetch: &Fetch{Max: uint32(max), After: after}}}
	var resp MailboxResponse
	if err := c.call(ctx, c.mailbox, "fetch", req, &resp, resp.GetStatus); err != nil {
		return nil, err
	}
	if after != "" && c.mailboxV1.Load() { // the stream was reopened on an older node
		return nil, fmt.Errorf("fetch: %w", ErrNoCursor)
	}
	items := make([]Item, len(resp.GetItems()))
	for i, it := range resp.GetItems() {
		items[i] = Item{ID: it.GetId(), Envelope: it.GetEnvelope(), At: time.Unix(0, it.GetAtUnixNano())}
	}
	return items, nil
}

// Ack deletes the given items from this host's mailbox. Unknown IDs are
// ignored, so acking twice is harmless.
func (c *Client) Ack(ctx context.Context, ids []string) error {
	for len(ids) > 0 {
		n := min(len(ids), MaxAckIDs)
		req := &MailboxRequest{Op: &MailboxRequest_Ack{Ack: &Ack{Ids: ids[:n]}}}
		var resp MailboxResponse
		if err := c.call(ctx, c.mailbox, "ack", req, &resp, resp.GetStatus); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// call runs one exchange on s and maps the response status to an error.
func (c *Client) call(ctx context.Context, s *p2p.Stream, op string, req, resp proto.Message, status func() Status) error {
	out, id, err := s.RoundTripMsg(ctx, req)
	if err != nil {
		c.logger.Debug("request failed", "op", op, "node", c.node, "err", err)
		return fmt.Errorf("%s: %w", op, err)
	}
	if s == c.mailbox {
		c.mailboxV1.Store(id == p2p.ProtoMailboxV1)
	}
	if err := proto.Unmarshal(out, resp); err != nil {
		return fmt.Errorf("%s: unmarshal response: %w", op, err)
	}
	if err := StatusError(status()); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}
