package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/parley-chat/parley/vault"
)

// ProfileConfig is what CreateProfile needs.
type ProfileConfig struct {
	// Dir is the data directory (created if missing).
	Dir string
	// Name is the display name in our card.
	Name string
	// Passphrase protects the vault; the caller may wipe it afterwards.
	Passphrase []byte
	// Nodes are the home node multiaddrs (each with /p2p/<peer ID>); none
	// means the client runs its own embedded node.
	Nodes []string
	// KDF overrides the Argon2id parameters (nil: vault.DefaultKDF). Tests
	// pass &vault.TestKDF.
	KDF *vault.KDF
}

// vaultDir is where the vault lives inside a data directory; the embedded
// node keeps its own database beside it.
func vaultDir(dir string) string { return filepath.Join(dir, "vault") }

// ProfileExists reports whether dir holds a profile (or the remains of one,
// which CreateProfile would refuse to overwrite).
func ProfileExists(dir string) bool { return vault.Exists(vaultDir(dir)) }

// CreateProfile creates a new identity, signs our contact card listing the
// home nodes, and stores both in a new vault in cfg.Dir.
func CreateProfile(ctx context.Context, cfg ProfileConfig) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if ProfileExists(cfg.Dir) {
		return fmt.Errorf("create profile: %w", ErrProfileExists)
	}
	if _, err := parseNodes(cfg.Nodes); err != nil {
		return fmt.Errorf("create profile: %w", err)
	}
	id, err := newIdentity()
	if err != nil {
		return fmt.Errorf("create profile: %w", err)
	}
	name := SanitizeName(cfg.Name)
	now := time.Now()
	card, err := id.card(name, cfg.Nodes, now)
	if err != nil {
		return fmt.Errorf("create profile: %w", err)
	}
	opts := vault.Options{}
	if cfg.KDF != nil {
		opts.KDF = *cfg.KDF
	}
	v, err := vault.Create(vaultDir(cfg.Dir), cfg.Passphrase, opts)
	if err != nil {
		return fmt.Errorf("create profile: %w", err)
	}
	err = v.Update(func(tx *vault.Tx) error {
		return tx.PutProfile(vault.Profile{Name: name, IdentityKey: id.marshal(), Card: card, Nodes: cfg.Nodes, CreatedAt: now})
	})
	return errors.Join(err, v.Close())
}

// loadProfile reads the profile and sets c.id.
func (c *Client) loadProfile() (vault.Profile, error) {
	var p vault.Profile
	err := c.v.View(func(tx *vault.Tx) error {
		var err error
		p, err = tx.GetProfile()
		return err
	})
	if err != nil {
		return p, fmt.Errorf("load profile: %w", err)
	}
	c.id, err = loadIdentity(p.IdentityKey)
	if err != nil {
		return p, fmt.Errorf("load profile: %w", err)
	}
	return p, nil
}

// profile reads the stored profile.
func (c *Client) profile() (vault.Profile, error) {
	var p vault.Profile
	err := c.v.View(func(tx *vault.Tx) error {
		var err error
		p, err = tx.GetProfile()
		return err
	})
	return p, err
}

// Me describes the unlocked profile. It returns the zero Me after Close.
func (c *Client) Me() Me {
	if c.enter() != nil {
		return Me{}
	}
	defer c.leave()
	p, err := c.profile()
	if err != nil {
		c.log.Warn("read profile", "err", err)
		return Me{PeerID: c.id.peerID()}
	}
	return Me{PeerID: c.id.peerID(), Name: p.Name, Invite: inviteOf(p.Card), Nodes: append([]string(nil), p.Nodes...)}
}

// ChangePassphrase rewraps the vault key under new; old must be the
// current passphrase.
func (c *Client) ChangePassphrase(ctx context.Context, old, new []byte) error {
	if err := c.enter(); err != nil {
		return err
	}
	defer c.leave()
	if err := ctx.Err(); err != nil {
		return err
	}
	return c.v.ChangePassphrase(old, new)
}

// SetNodes replaces the home nodes: the card is signed again with them (new
// invites carry them) and registration and fetching move to them. An empty
// list keeps the current nodes in use until the next start, then the
// embedded node takes over.
func (c *Client) SetNodes(ctx context.Context, nodes []string) error {
	if err := c.enter(); err != nil {
		return err
	}
	defer c.leave()
	homes, err := parseNodes(nodes)
	if err != nil {
		return err
	}
	err = c.v.Update(func(tx *vault.Tx) error {
		p, err := tx.GetProfile()
		if err != nil {
			return err
		}
		cardNodes := nodes
		if len(nodes) == 0 && c.nodes.isEmbedded() {
			cardNodes = c.ownNodeAddrs() // still our own node: keep saying so
		}
		if p.Card, err = c.id.card(p.Name, cardNodes, c.cfg.Now()); err != nil {
			return err
		}
		p.Nodes = nodes
		return tx.PutProfile(p)
	})
	if err != nil {
		return fmt.Errorf("set nodes: %w", err)
	}
	if len(homes) > 0 {
		c.nodes.setHomes(homes)
		signal(c.peers.nodeDown)
	}
	c.hub.emit(StatusChanged{c.Status()})
	return ctx.Err()
}

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,31}$`)

// normalizeUsername lower-cases name, drops a leading @ and checks its form.
func normalizeUsername(name string) (string, error) {
	name = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(name), "@"))
	if !usernameRE.MatchString(name) {
		return "", ErrBadUsername
	}
	return name, nil
}

// Claim binds @username to our card on our home node(s); it succeeds if
// any home node accepts.
func (c *Client) Claim(ctx context.Context, username string) error {
	if err := c.enter(); err != nil {
		return err
	}
	defer c.leave()
	name, err := normalizeUsername(username)
	if err != nil {
		return err
	}
	homes := c.nodes.home()
	if len(homes) == 0 {
		return ErrNoNode
	}
	p, err := c.profile()
	if err != nil {
		return fmt.Errorf("claim: %w", err)
	}
	var errs []error
	for _, n := range homes {
		cctx, cancel := context.WithTimeout(ctx, c.cfg.Timing.Call)
		err := n.Claim(cctx, name, p.Card)
		cancel()
		if err == nil {
			return nil
		}
		errs = append(errs, err)
	}
	return fmt.Errorf("claim: %w", errors.Join(errs...))
}
