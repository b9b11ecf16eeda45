package app

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
	manet "github.com/multiformats/go-multiaddr/net"

	"github.com/parley-chat/parley/app/e2e"
	"github.com/parley-chat/parley/vault"
)

// Zero set-up: a profile without a home node runs the node in-process, so
// its card must tell friends where that node is: the host's own dialable
// listen addresses, each ending in /p2p/<our peer ID>. A friend treats
// those like any home node (presence lookup, mailbox PUT) and, since the
// node's peer ID is the friend's own, also as the direct address.

// ownNodeAddrs returns the dialable addresses of our host, for the card of
// an embedded profile: no unspecified or link-local addresses and no relay
// circuits; loopback only when there is nothing else (tests, a machine
// with no network). At most e2e.MaxNodes, non-loopback first.
func (c *Client) ownNodeAddrs() []string {
	return dialableAddrs(c.host.Addrs(), c.host.ID())
}

func dialableAddrs(addrs []ma.Multiaddr, self peer.ID) []string {
	var lan, loop []string
	seen := map[string]bool{}
	for _, a := range addrs {
		if _, err := a.ValueForProtocol(ma.P_CIRCUIT); err == nil {
			continue
		}
		ip, err := manet.ToIP(a)
		if err != nil || ip.IsUnspecified() || ip.IsLinkLocalUnicast() || ip.IsMulticast() {
			continue
		}
		s := fmt.Sprintf("%s/p2p/%s", a, self)
		if seen[s] || len(s) > e2e.MaxNodeLen {
			continue
		}
		seen[s] = true
		if ip.IsLoopback() {
			loop = append(loop, s)
		} else {
			lan = append(lan, s)
		}
	}
	out := lan
	if len(out) == 0 {
		out = loop
	}
	if len(out) > e2e.MaxNodes {
		out = out[:e2e.MaxNodes]
	}
	return out
}

// publishOwnAddrs signs our card again with the host's own addresses when
// the profile runs the embedded node and the card does not list exactly
// them already (a first start, a new port or network). Called at start,
// once the host listens.
func (c *Client) publishOwnAddrs() error {
	if !c.nodes.isEmbedded() {
		return nil
	}
	addrs := c.ownNodeAddrs()
	return c.v.Update(func(tx *vault.Tx) error {
		p, err := tx.GetProfile()
		if err != nil {
			return err
		}
		if ci, err := parseCard(p.Card); err == nil && slices.Equal(ci.Nodes, addrs) {
			return nil
		}
		card, err := c.id.card(p.Name, addrs, c.cfg.Now())
		if err != nil {
			return err
		}
		if bytes.Equal(card, p.Card) {
			return nil
		}
		p.Card = card
		return tx.PutProfile(p)
	})
}

// embeddedListen returns where an embedded profile listens when Config
// gives no addresses: the ports its card already lists (on every
// interface), so that friends holding the card find it again after a
// restart; nil (the defaults) when the card lists none.
func embeddedListen(card []byte) []string {
	ci, err := parseCard(card)
	if err != nil {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for _, s := range ci.Nodes {
		a, err := ma.NewMultiaddr(s)
		if err != nil {
			continue
		}
		ip, err := manet.ToIP(a)
		if err != nil {
			continue
		}
		any := "/ip4/0.0.0.0"
		if ip.To4() == nil {
			any = "/ip6/::"
		}
		var l string
		if port, err := a.ValueForProtocol(ma.P_TCP); err == nil {
			l = fmt.Sprintf("%s/tcp/%s", any, port)
		} else if port, err := a.ValueForProtocol(ma.P_UDP); err == nil {
			if _, err := a.ValueForProtocol(ma.P_QUIC_V1); err != nil {
				continue
			}
			l = fmt.Sprintf("%s/udp/%s/quic-v1", any, port)
		}
		if l != "" && !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
}

// selfHosted reports whether node ai is the peer p itself: the embedded
// node of a friend without a home node. Such a node answers only while
// the friend's app runs, so reaching it means the friend is online.
func selfHosted(ai peer.AddrInfo, p PeerID) bool { return ai.ID == p.libp2p() }

// selfHostedFriend reports whether node is one of the friends ids itself.
func selfHostedFriend(ids []peer.ID, node peer.ID) bool { return slices.Contains(ids, node) }
