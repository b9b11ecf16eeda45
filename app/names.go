package app

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"

	"github.com/parley-chat/parley/vault"
)

// Equal display names: anyone may call themselves "bob", and a card
// substituted by a lying node carries the real bob's name. So a contact or
// request whose name equals (case-insensitively, after sanitising) another
// contact's name or our own is shown with a short fingerprint of its peer
// ID: "bob · 3f9a1c". Both contacts of a colliding pair get their suffix,
// and the fingerprint is the same wherever the peer appears.

// nameSep separates a colliding name from its fingerprint.
const nameSep = " · "

// names indexes the folded display names of contacts, and our own.
type names struct {
	mu     sync.Mutex // guards the fields below
	mine   string
	byPeer map[PeerID]string
	// count is how many contacts carry each folded name.
	count map[string]int
}

func newNames() *names {
	return &names{byPeer: make(map[PeerID]string), count: make(map[string]int)}
}

// foldName is the form in which two names count as equal.
func foldName(s string) string { return strings.ToLower(SanitizeName(s)) }

// fingerprint is a short, stable digest of a peer ID, itself the digest
// of the identity key (6 hex digits).
func fingerprint(p PeerID) string {
	sum := sha256.Sum256([]byte(p))
	return hex.EncodeToString(sum[:3])
}

// reset replaces the index: our own name and every stored contact.
func (n *names) reset(mine string, contacts []vault.Contact) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.mine = foldName(mine)
	clear(n.byPeer)
	clear(n.count)
	for _, vc := range contacts {
		n.setLocked(PeerID(vc.PeerID), vc.Name)
	}
}

func (n *names) setLocked(p PeerID, name string) {
	f := foldName(name)
	if old, ok := n.byPeer[p]; ok {
		if old == f {
			return
		}
		if n.count[old]--; n.count[old] <= 0 {
			delete(n.count, old)
		}
	}
	n.byPeer[p] = f
	n.count[f]++
}

// forget drops the removed contact p from the index.
func (n *names) forget(p PeerID) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if old, ok := n.byPeer[p]; ok {
		delete(n.byPeer, p)
		if n.count[old]--; n.count[old] <= 0 {
			delete(n.count, old)
		}
	}
}

// contact records the name of contact p and returns it for display.
func (n *names) contact(p PeerID, name string) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.setLocked(p, name)
	return n.displayLocked(p, name)
}

// request returns the name of a requester (not a contact) for display.
func (n *names) request(p PeerID, name string) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.displayLocked(p, name)
}

func (n *names) displayLocked(p PeerID, name string) string {
	clean := SanitizeName(name)
	if n.collidesLocked(p, strings.ToLower(clean)) {
		return clean + nameSep + fingerprint(p)
	}
	return clean
}

func (n *names) collidesLocked(p PeerID, folded string) bool {
	others := n.count[folded]
	if f, ok := n.byPeer[p]; ok && f == folded {
		others-- // p itself
	}
	return folded == n.mine || others > 0
}

// loadNames fills the name index from the vault (at start).
func (c *Client) loadNames() error {
	return c.v.View(func(tx *vault.Tx) error {
		p, err := tx.GetProfile()
		if err != nil {
			return err
		}
		list, err := tx.ListContacts()
		if err != nil {
			return err
		}
		c.names.reset(p.Name, list)
		return nil
	})
}
