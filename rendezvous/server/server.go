package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	manet "github.com/multiformats/go-multiaddr/net"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/parley-chat/parley/p2p"
	"github.com/parley-chat/parley/rendezvous"
)

// Config configures a node. Dir (or InMemory) is required; every other zero field takes the
// default named beside it.
type Config struct {
	// Dir is the Badger directory.
	Dir string
	// InMemory keeps everything in memory (Dir is ignored): for tests and
	// rendezvoustest only, since nothing survives Close.
	InMemory bool
	// TTL is how long an envelope waits in a mailbox (720h).
	TTL time.Duration
	// MaxInboxBytes bounds the envelope bytes waiting in one inbox (64 MiB).
	MaxInboxBytes int64
	// MaxInboxCount bounds the envelopes waiting in one inbox (10,000).
	MaxInboxCount int
	// MaxEnvelopeBytes bounds one envelope (300 KiB; at most 4 MiB).
	MaxEnvelopeBytes int
	// PerSenderRate is the sustained PUTs per second one sender may make
	// (20), with PerSenderBurst (100) in a burst.
	PerSenderRate  float64
	PerSenderBurst int
	// PerIPRate bounds PUTs per second from one IP address, whatever peer
	// IDs it uses (10 × PerSenderRate, burst 10 × PerSenderBurst); a
	// negative value turns the per-IP limit off.
	PerIPRate float64
	// MaxNamesPerOwner bounds the usernames one peer may hold (3).
	MaxNamesPerOwner int
	// RegistryTTL caps (and defaults) the TTL of a registration (1h).
	RegistryTTL time.Duration
	// MinFreeBytes is the free space on Dir's file system below which the
	// node refuses writes with STATUS_STORAGE_FULL instead of letting
	// Badger die of SIGBUS (72 MiB: twice the memtable plus a margin); a
	// negative value turns the guard off.
	MinFreeBytes int64
	// FrameTimeout is how long one request frame may take to arrive once
	// its first byte has (10s); a slow-loris stream is reset after it.
	FrameTimeout time.Duration
	// SweepEvery is how often expired envelopes and registrations are
	// removed (1 minute).
	SweepEvery time.Duration
	// Logger gets lifecycle and Debug lines, never envelope contents;
	// nil discards.
	Logger *slog.Logger
	// Registerer gets the node's metrics; nil registers none.
	Registerer prometheus.Registerer
	// Now is the clock (time.Now).
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	setDefault(&c.TTL, 720*time.Hour)
	setDefault(&c.MaxInboxBytes, 64<<20)
	setDefault(&c.MaxInboxCount, 10_000)
	setDefault(&c.MaxEnvelopeBytes, rendezvous.DefaultMaxEnvelopeBytes)
	// A FETCH response must hold at least one envelope.
	c.MaxEnvelopeBytes = min(c.MaxEnvelopeBytes, rendezvous.MaxFetchBytes)
	setDefault(&c.PerSenderRate, 20)
	setDefault(&c.PerSenderBurst, 100)
	setDefault(&c.PerIPRate, 10*c.PerSenderRate)
	setDefault(&c.MaxNamesPerOwner, 3)
	setDefault(&c.RegistryTTL, time.Hour)
	setDefault(&c.SweepEvery, time.Minute)
	setDefault(&c.FrameTimeout, 10*time.Second)
	setDefault(&c.MinFreeBytes, defaultMinFree)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

func setDefault[T comparable](p *T, v T) {
	var zero T
	if *p == zero {
		*p = v
	}
}

// Server is a running node store. Attach it to a host to serve. It is safe
// for concurrent use. The zero value is not usable; use [Open].
type Server struct {
	cfg     Config
	logger  *slog.Logger
	db      *badger.DB
	store   *store
	reg     *registry
	dir     *directory
	mbox    *mailbox
	metrics *metrics

	cancel context.CancelFunc
	wg     sync.WaitGroup // the writer, the loader and the sweeper
	// inflight counts handler calls, so that Close lets them finish
	// before it stops the writer and closes Badger.
	inflight sync.WaitGroup

	mu sync.Mutex // guards h and closed
	h  host.Host
	// closed is set by Close.
	closed bool
}

// Open opens (or creates) the node's Badger DB in cfg.Dir and starts the
// writer and the sweeper. Close stops them.
func Open(cfg Config) (*Server, error) {
	if cfg.Dir == "" && !cfg.InMemory {
		return nil, errors.New("open node: no data directory")
	}
	cfg = cfg.withDefaults()
	logger := cfg.Logger.With("component", "node")
	opts := badger.DefaultOptions(cfg.Dir).
		WithSyncWrites(true).
		WithLogger(badgerLogger{logger.With("component", "badger")}).
		WithNumVersionsToKeep(1).
		WithBlockCacheSize(64 << 20).
		WithMemTableSize(memTableSize)
	guard := newDiskGuard(cfg.Dir, cfg.MinFreeBytes, logger)
	if cfg.InMemory {
		guard = nil
		opts = opts.WithDir("").WithValueDir("").WithInMemory(true).WithSyncWrites(false)
	}
	db, err := badger.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("open node db: %w", err)
	}
	s := &Server{cfg: cfg, logger: logger, db: db}
	s.metrics = newMetrics()
	s.store = newStore(db, s.metrics, guard)
	s.reg = newRegistry(cfg, s.metrics)
	s.dir = &directory{db: db, maxNames: cfg.MaxNamesPerOwner, now: cfg.Now, metrics: s.metrics, guard: guard,
		claims: newLimiters(claimRate, claimBurst)}
	s.mbox = newMailbox(cfg, db, s.store, s.metrics, logger)
	s.dir.ipOf = s.mbox.remoteIP
	if err := s.metrics.register(cfg.Registerer, s); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("register metrics: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.wg.Go(s.store.run)
	s.wg.Go(func() { s.mbox.load(ctx) })
	s.wg.Go(func() { s.sweep(ctx) })
	return s, nil
}

// Attach serves the node's protocols on h and tracks h's connections for
// presence. Call it once, after Open.
func (s *Server) Attach(h host.Host) {
	s.mu.Lock()
	s.h = h
	s.mu.Unlock()
	s.reg.attach(h)
	ipOf := remoteIP(h)
	s.mbox.ipOf.Store(&ipOf)
	p2p.ServeAll(h, map[protocol.ID]p2p.Handler{
		p2p.ProtoRegistry:  s.guard(s.reg.handle),
		p2p.ProtoDirectory: s.guard(s.dir.handle),
		p2p.ProtoMailbox:   s.guard(s.mbox.handle),
		// Version 1 is version 2 without the FETCH cursor, which its
		// clients never send: one handler serves both.
		p2p.ProtoMailboxV1: s.guard(s.mbox.handle),
	}, p2p.Limits{
		MaxRequest:  s.cfg.MaxEnvelopeBytes + 64<<10,
		MaxResponse: rendezvous.MaxResponseFrame,
		Read:        s.cfg.FrameTimeout,
		Logger:      s.logger,
		OnBadFrame:  s.metrics.badFrame,
	})
}

// CLAIMs allowed per IP: a burst of 10, then one a minute. Claiming is a
// once-per-account act; this bounds what fresh peer IDs from one address can
// write into the directory.
const (
	claimRate  = 1.0 / 60
	claimBurst = 10
)

// guard refuses requests once Close has begun and lets Close wait for the
// ones in flight.
func (s *Server) guard(fn p2p.Handler) p2p.Handler {
	return func(ctx context.Context, from peer.ID, req []byte) ([]byte, error) {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return nil, errClosed
		}
		s.inflight.Add(1)
		s.mu.Unlock()
		defer s.inflight.Done()
		return fn(ctx, from, req)
	}
}

// remoteIP returns the IP address of p's first direct connection on h.
func remoteIP(h host.Host) func(peer.ID) string {
	return func(p peer.ID) string {
		for _, c := range h.Network().ConnsToPeer(p) {
			if ip, err := manet.ToIP(c.RemoteMultiaddr()); err == nil {
				return ip.String()
			}
		}
		return ""
	}
}

// Close stops serving, lets requests in flight finish, waits for pending
// writes, and closes the DB. It is idempotent. Closing the host first is
// still best: streams then end at once instead of being refused.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	h := s.h
	s.mu.Unlock()
	if h != nil {
		for _, id := range []protocol.ID{p2p.ProtoRegistry, p2p.ProtoDirectory, p2p.ProtoMailbox, p2p.ProtoMailboxV1} {
			h.RemoveStreamHandler(id)
		}
		s.reg.detach(h)
	}
	// Order: let requests in flight finish (the writer still runs for
	// them), stop the sweeper and the writer, then close Badger.
	s.inflight.Wait()
	s.cancel()
	s.store.close()
	s.wg.Wait()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close node db: %w", err)
	}
	return nil
}

// sweep removes expired envelopes and registrations, forgets idle rate
// limiters, and collects Badger's value log, every SweepEvery.
func (s *Server) sweep(ctx context.Context) {
	t := time.NewTicker(s.cfg.SweepEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if s.mbox.ready(ctx) != nil {
			continue
		}
		now := s.cfg.Now()
		s.reg.expire(now)
		s.mbox.forgetIdle(now)
		s.dir.claims.forget(now)
		if err := s.mbox.expire(ctx, now); err != nil && ctx.Err() == nil {
			s.logger.Warn("expire envelopes", "err", err)
		}
		_ = s.db.RunValueLogGC(0.5)
	}
}
