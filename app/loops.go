package app

import (
	"context"
	"errors"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/net/swarm"

	"github.com/parley-chat/parley/rendezvous"
	"github.com/parley-chat/parley/vault"
)

// registerLoop keeps us registered (online) on our home nodes, refreshing
// before the TTL runs out and reconnecting with backoff when a node goes
// away (a restart, a network change).
func (c *Client) registerLoop(ctx context.Context) error {
	for c.nodes.isEmbedded() {
		// Our own node is always reachable; SetNodes wakes us.
		c.setReachable(true)
		select {
		case <-ctx.Done():
			return nil
		case <-c.peers.nodeDown:
		}
	}
	notifee := &network.NotifyBundle{DisconnectedF: func(_ network.Network, conn network.Conn) {
		if c.nodes.isHome(conn.RemotePeer()) {
			signal(c.peers.nodeDown)
		}
	}}
	c.host.Network().Notify(notifee)
	defer c.host.Network().StopNotify(notifee)
	var backoff time.Duration
	for {
		ok := c.registerOnce(ctx)
		c.setReachable(ok)
		wait := c.cfg.Timing.RegisterTTL / 3
		if !ok {
			backoff = nextBackoff(backoff, c.cfg.Timing.MaxBackoff)
			wait = backoff
		} else {
			backoff = 0
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-c.peers.nodeDown:
			// Give the node a moment to come back, then retry with backoff.
			backoff = nextBackoff(backoff, c.cfg.Timing.MaxBackoff)
			t.Reset(backoff)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil
			case <-t.C:
			}
		case <-t.C:
		}
	}
}

// registerOnce registers on every home node; true if any accepted.
func (c *Client) registerOnce(ctx context.Context) bool {
	ok := false
	for _, n := range c.nodes.home() {
		c.clearDialBackoff(n.Node())
		cctx, cancel := context.WithTimeout(ctx, c.cfg.Timing.Call)
		err := n.Register(cctx, c.cfg.Timing.RegisterTTL)
		cancel()
		if err != nil {
			c.log.Debug("register failed", "node", n.Node(), "err", err)
			continue
		}
		ok = true
	}
	return ok
}

// setReachable records node reachability and reports changes; on becoming
// reachable it fetches the mailbox and retries deliveries at once.
func (c *Client) setReachable(ok bool) {
	if !c.peers.setReachable(ok) {
		return
	}
	if ok {
		c.log.Info("home node reachable")
		signal(c.peers.fetch)
		_ = c.pokeOutbox()
	} else {
		c.log.Warn("home node unreachable")
	}
	c.hub.emit(StatusChanged{c.Status()})
}

// mailboxLoop fetches our mailbox on start, periodically, and when a home
// node becomes reachable. Items are acknowledged only after the vault
// commit. After the first complete fetch it emits Ready.
func (c *Client) mailboxLoop(ctx context.Context) error {
	ready := false
	t := time.NewTicker(c.cfg.Timing.Poll)
	defer t.Stop()
	for {
		if c.fetchAll(ctx) && !ready {
			ready = true
			c.hub.emit(Ready{})
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-c.peers.fetch:
		}
	}
}

// fetchAll drains the mailbox on every home node, and our own inbox on
// the embedded node (where a friend deposits when a direct delivery did
// not go through); true if every node answered.
func (c *Client) fetchAll(ctx context.Context) bool {
	ok := true
	nodes := c.nodes.home()
	if l := c.nodes.localInbox(); l != nil {
		nodes = append(nodes, l)
	}
	for _, n := range nodes {
		if err := c.drain(ctx, n); err != nil {
			c.log.Debug("fetch failed", "node", n.Node(), "err", err)
			ok = false
		}
	}
	return ok
}

// maxDrainPages bounds the FETCHes of one drain: 64 pages of MaxFetchItems
// are more than a node's default inbox quota (10,000 items), so a drain
// normally ends at the end of the inbox, but a sender who keeps depositing
// (or a node that keeps answering) cannot hold it for ever.
const maxDrainPages = 64

// drain reads one node's mailbox from the oldest item to the newest, a page
// (MaxFetchItems) at a time, and acknowledges what it processed. Items
// answered RETRY (a friend request over the rate limit, a vault error) are
// not acknowledged: they stay on the node, and the next page is FETCHed
// after the last item read (the cursor of /parley/mailbox/2), so however
// many items wait, a friend's message behind them is read in this round.
// The next round starts from the oldest again and retries them there. A
// round ends at the end of the inbox, or after maxDrainPages pages.
func (c *Client) drain(ctx context.Context, n *rendezvous.Client) error {
	after := ""
	for range maxDrainPages {
		items, err := c.fetchPage(ctx, n, after)
		if errors.Is(err, rendezvous.ErrNoCursor) {
			return c.drainFromOldest(ctx, n)
		}
		if err != nil || len(items) == 0 {
			return err
		}
		if _, err := c.settle(ctx, n, items); err != nil {
			return err
		}
		after = items[len(items)-1].ID
	}
	return nil
}

// drainFromOldest is drain on a node from before the cursor
// (/parley/mailbox/1): it reads from the oldest item while a page makes
// progress, so items behind more than a page of waiting ones wait too.
func (c *Client) drainFromOldest(ctx context.Context, n *rendezvous.Client) error {
	for range maxDrainPages {
		items, err := c.fetchPage(ctx, n, "")
		if err != nil || len(items) == 0 {
			return err
		}
		acked, err := c.settle(ctx, n, items)
		if err != nil || acked == 0 {
			return err // none acknowledged: only items that must wait
		}
	}
	return nil
}

// fetchPage FETCHes up to MaxFetchItems items after the cursor after.
func (c *Client) fetchPage(ctx context.Context, n *rendezvous.Client, after string) ([]rendezvous.Item, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timing.Call)
	defer cancel()
	return n.FetchAfter(ctx, rendezvous.MaxFetchItems, after)
}

// settle ingests items and acknowledges every one not answered RETRY; it
// returns how many it acknowledged.
func (c *Client) settle(ctx context.Context, n *rendezvous.Client, items []rendezvous.Item) (int, error) {
	packets := make([][]byte, len(items))
	for i, it := range items {
		packets[i] = it.Envelope
	}
	verdicts, err := c.ingest("", packets)
	if err != nil {
		return 0, err
	}
	var acks []string
	for i, v := range verdicts {
		if v != Verdict_VERDICT_RETRY {
			acks = append(acks, items[i].ID)
		}
	}
	if len(acks) == 0 {
		return 0, nil
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timing.Call)
	defer cancel()
	if err := n.Ack(ctx, acks); err != nil {
		return 0, err
	}
	return len(acks), nil
}

// presenceLoop looks friends up on their home nodes periodically, and at
// once when a connection opens or closes or a friendship completes, and
// reports changes.
func (c *Client) presenceLoop(ctx context.Context) error {
	notifee := &network.NotifyBundle{
		ConnectedF:    func(network.Network, network.Conn) { signal(c.peers.presence) },
		DisconnectedF: func(network.Network, network.Conn) { signal(c.peers.presence) },
	}
	c.host.Network().Notify(notifee)
	defer c.host.Network().StopNotify(notifee)
	t := time.NewTicker(c.cfg.Timing.Presence)
	defer t.Stop()
	for {
		c.lookupFriends(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-c.peers.presence:
		}
	}
}

// lookupFriends asks each friend's home nodes whether they are online.
func (c *Client) lookupFriends(ctx context.Context) {
	byNode := make(map[peer.ID][]peer.ID)
	addrs := make(map[peer.ID]peer.AddrInfo)
	online := make(map[PeerID]bool)
	for _, ci := range c.friendCards() {
		online[ci.Peer] = c.host.Network().Connectedness(ci.Peer.libp2p()) == network.Connected || c.peers.onLAN(ci.Peer, c.cfg.Now())
		nodes, _ := parseNodes(ci.Nodes)
		for _, ai := range nodes {
			byNode[ai.ID] = append(byNode[ai.ID], ci.Peer.libp2p())
			addrs[ai.ID] = ai
		}
	}
	for node, ids := range byNode {
		cctx, cancel := context.WithTimeout(ctx, c.cfg.Timing.Call)
		res, err := c.nodes.client(addrs[node]).Lookup(cctx, ids)
		cancel()
		if err != nil {
			c.log.Debug("lookup failed", "node", node, "err", err)
			continue
		}
		if selfHostedFriend(ids, node) {
			online[peerOfID(node)] = true // a friend's own embedded node answered
		}
		for _, p := range res {
			if p.Online {
				online[peerOfID(p.ID)] = true
				c.host.Peerstore().AddAddrs(p.ID, p.Addrs, 2*c.cfg.Timing.Presence+time.Minute)
			}
		}
	}
	for p, on := range online {
		if c.peers.setOnline(p, on) {
			c.hub.emit(PresenceChanged{Peer: p, Online: on})
			if on {
				c.peers.poke(p)
			}
		}
	}
}

// friendCards returns the parsed cards of friends.
func (c *Client) friendCards() []cardInfo {
	var list []vault.Contact
	err := c.v.View(func(tx *vault.Tx) error {
		var err error
		list, err = tx.ListContacts()
		return err
	})
	if err != nil {
		return nil
	}
	var out []cardInfo
	for _, vc := range list {
		if vc.State != string(StateFriend) && vc.State != string(StateKeyChanged) {
			continue
		}
		ci, ok := c.peers.card(PeerID(vc.PeerID))
		if !ok {
			var err error
			if ci, err = parseCard(vc.Card); err != nil {
				continue
			}
			c.peers.setCard(ci)
		}
		out = append(out, ci)
	}
	return out
}

// clearDialBackoff forgets libp2p's dial backoff for p. Our loops pace their
// own retries; libp2p's backoff (5 s and more after one failed dial) would
// only delay reconnecting after a node restart or a friend's return.
func (c *Client) clearDialBackoff(p peer.ID) {
	if sw, ok := c.host.Network().(*swarm.Swarm); ok {
		sw.Backoff().Clear(p)
	}
}

// lanTTL is how long a peer found by mDNS counts as present.
const lanTTL = 2 * time.Minute

// onLANPeer is called by mDNS for every parley host on the LAN. It must
// not block: it only records the addresses; the presence loop reports
// friends among them.
func (c *Client) onLANPeer(ai peer.AddrInfo) {
	if ai.ID == c.host.ID() {
		return
	}
	c.host.Peerstore().AddAddrs(ai.ID, ai.Addrs, lanTTL)
	c.peers.sawOnLAN(peerOfID(ai.ID), c.cfg.Now())
}
