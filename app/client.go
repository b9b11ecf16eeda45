package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/libp2p/go-libp2p/core/host"
	"golang.org/x/sync/errgroup"

	"github.com/parley-chat/parley/p2p"
	"github.com/parley-chat/parley/vault"
)

// Client is an unlocked profile: it owns the vault, the libp2p host, the
// node clients and every background goroutine (started by Run). Its methods
// are safe for concurrent use. The zero value is not usable; use Open.
type Client struct {
	cfg   Config
	log   *slog.Logger
	v     *vault.Vault
	id    *identity
	host  host.Host
	hub   *hub
	nodes *nodeSet
	peers *peerState
	life  lifecycle
	// reqLimit rate-limits incoming friend requests.
	reqLimit *bucket
	// live caches decoded ratchet sessions between transactions.
	live *liveSessions
	// names tells equal display names apart (see names.go).
	names *names
}

// lifecycle tracks Run and the calls in flight, so that Close can stop
// everything in order.
type lifecycle struct {
	mu      sync.Mutex // guards the fields below
	closed  bool
	running bool               // Run is live: couriers may be started
	cancel  context.CancelFunc // cancels Run's context
	done    chan struct{}      // closed when Run returns; nil if Run never ran
	group   *errgroup.Group    // Run's group, for couriers started later
	// inflight counts method calls and stream handlers using the vault.
	inflight sync.WaitGroup
	once     sync.Once
	closeErr error
}

// enter registers a call that uses the vault; it fails after Close.
func (c *Client) enter() error {
	c.life.mu.Lock()
	defer c.life.mu.Unlock()
	if c.life.closed {
		return ErrClosed
	}
	c.life.inflight.Add(1)
	return nil
}

func (c *Client) leave() { c.life.inflight.Done() }

// Open unlocks the profile in cfg.Dir and brings up the libp2p host
// (listening, serving /parley/msg/1). It starts no goroutine of its own;
// call Run. A wrong passphrase returns an error matching ErrWrongPassphrase.
func Open(ctx context.Context, cfg Config) (*Client, error) {
	cfg = cfg.withDefaults()
	if !ProfileExists(cfg.Dir) {
		return nil, fmt.Errorf("open profile: %w", ErrNoProfile)
	}
	v, err := vault.Open(vaultDir(cfg.Dir), cfg.Passphrase, cfg.vaultOptions())
	if err != nil {
		return nil, fmt.Errorf("open profile: %w", err)
	}
	c, err := newClient(ctx, cfg, v)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("open profile: %w", err), v.Close())
	}
	c.log.Info("profile unlocked", "peer", c.id.peerID())
	return c, nil
}

func newClient(ctx context.Context, cfg Config, v *vault.Vault) (*Client, error) {
	c := &Client{cfg: cfg, log: cfg.Logger.With("component", "app"), v: v, hub: newHub(), reqLimit: newBucket(requestRate, requestBurst, cfg.Now), live: newLiveSessions(), names: newNames()}
	prof, err := c.loadProfile()
	if err != nil {
		return nil, err
	}
	if err := c.loadNames(); err != nil {
		return nil, fmt.Errorf("load names: %w", err)
	}
	nodes := prof.Nodes
	if cfg.Nodes != nil {
		nodes = cfg.Nodes
	}
	homes, err := parseNodes(nodes)
	if err != nil {
		return nil, err
	}
	c.peers = newPeerState()
	hc := p2p.Config{
		Identity:     c.id.ed25519(),
		ListenAddrs:  cfg.Listen,
		Profile:      p2p.ProfileClient,
		StaticRelays: homes,
		Logger:       cfg.Logger,
	}
	if len(homes) == 0 && !cfg.DisableMDNS {
		hc.OnPeerFound = c.onLANPeer
	}
	// An embedded node keeps the ports its card lists, so that friends
	// holding the card find it again after a restart.
	pinned := len(homes) == 0 && cfg.Listen == nil
	if pinned {
		hc.ListenAddrs = embeddedListen(prof.Card)
	}
	c.host, err = p2p.NewHost(ctx, hc)
	if err != nil && hc.OnPeerFound != nil {
		// No multicast here (a container, a locked-down network): go on
		// without LAN discovery rather than not at all.
		c.log.Warn("LAN discovery unavailable", "err", err)
		hc.OnPeerFound = nil
		c.host, err = p2p.NewHost(ctx, hc)
	}
	if err != nil && pinned && hc.ListenAddrs != nil {
		// The old ports are taken: listen anywhere; the card follows.
		c.log.Warn("previous ports unavailable", "err", err)
		hc.ListenAddrs = nil
		c.host, err = p2p.NewHost(ctx, hc)
	}
	if err != nil {
		return nil, fmt.Errorf("start host: %w", err)
	}
	c.nodes, err = newNodeSet(cfg, c.host, homes, c.log)
	if err != nil {
		return nil, errors.Join(err, c.host.Close())
	}
	if err := c.publishOwnAddrs(); err != nil {
		return nil, errors.Join(fmt.Errorf("publish own addresses: %w", err), c.host.Close(), c.nodes.closeEmbedded())
	}
	c.serveMsg()
	return c, nil
}

// Run starts the background work (node registration and presence, mailbox
// fetching, delivery) and blocks until ctx is done or Close is called. It
// owns every goroutine it starts and returns after they all stopped. It
// returns nil when stopped by ctx or Close.
func (c *Client) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	g, ctx := errgroup.WithContext(ctx)
	c.life.mu.Lock()
	if c.life.closed || c.life.done != nil {
		c.life.mu.Unlock()
		return fmt.Errorf("run: %w", ErrClosed)
	}
	c.life.cancel, c.life.done, c.life.group, c.life.running = cancel, make(chan struct{}), g, true
	done := c.life.done
	c.life.mu.Unlock()
	defer close(done)

	// This goroutine keeps the group alive until ctx is done and then stops
	// courier creation, so no g.Go can race with the end of g.Wait.
	g.Go(func() error {
		<-ctx.Done()
		c.life.mu.Lock()
		c.life.running = false
		c.life.mu.Unlock()
		return nil
	})
	g.Go(func() error { return c.registerLoop(ctx) })
	g.Go(func() error { return c.mailboxLoop(ctx) })
	g.Go(func() error { return c.presenceLoop(ctx) })
	g.Go(func() error { return c.dispatchLoop(ctx) })
	err := g.Wait()
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

// spawn runs fn in Run's group; it reports false when Run is not live.
func (c *Client) spawn(fn func() error) bool {
	c.life.mu.Lock()
	defer c.life.mu.Unlock()
	if !c.life.running {
		return false
	}
	c.life.group.Go(fn)
	return true
}

// Close stops Run, waits for calls in flight and closes everything in
// reverse order of startup. It is idempotent: later calls return the first
// call's result.
func (c *Client) Close() error {
	c.life.once.Do(func() { c.life.closeErr = c.close() })
	return c.life.closeErr
}

func (c *Client) close() error {
	c.life.mu.Lock()
	c.life.closed = true
	cancel, done := c.life.cancel, c.life.done
	c.life.mu.Unlock()
	// 1. Stop the background loops: they use the host, the nodes and the vault.
	if cancel != nil {
		cancel()
		<-done
	}
	// 2. Stop taking new streams, then let handlers and calls in flight end.
	c.host.RemoveStreamHandler(p2p.ProtoMsg)
	c.life.inflight.Wait()
	// 3. Node streams, then the host (the embedded node must outlive no
	// host that still routes to it), then the embedded node's DB.
	errs := []error{c.nodes.closeClients(), c.host.Close(), c.nodes.closeEmbedded()}
	// 4. The vault last: nothing uses it any more.
	errs = append(errs, c.v.Close())
	c.hub.close()
	c.log.Info("profile locked")
	return errors.Join(errs...)
}
