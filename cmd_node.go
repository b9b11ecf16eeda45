package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/parley-chat/parley/p2p"
	"github.com/parley-chat/parley/rendezvous/server"
)

// nodeKeyFile is the node's identity inside its data directory: the raw
// 64-byte Ed25519 private key, mode 0600, created on first run.
const nodeKeyFile = "node.key"

// listFlag is a repeatable, comma-separable string flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

type nodeFlags struct {
	data          string
	listen        listFlag
	ttl           time.Duration
	maxInboxBytes int64
	metrics       string
}

func parseNodeFlags(args []string, env *environment) (*nodeFlags, error) {
	f := &nodeFlags{}
	fs := flag.NewFlagSet("node", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.StringVar(&f.data, "data", "", "data directory (identity key and mailbox database)")
	fs.Var(&f.listen, "listen", "multiaddr to listen on (repeatable; default /ip4/0.0.0.0/tcp/4001 and /ip4/0.0.0.0/udp/4001/quic-v1)")
	fs.DurationVar(&f.ttl, "ttl", 720*time.Hour, "how long an envelope waits in a mailbox")
	fs.Int64Var(&f.maxInboxBytes, "max-inbox-bytes", 64<<20, "most envelope bytes waiting in one inbox")
	fs.StringVar(&f.metrics, "metrics", "", "serve Prometheus metrics on this address (e.g. 127.0.0.1:9100)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if f.data == "" {
		return nil, errors.New("--data is required")
	}
	if len(f.listen) == 0 {
		f.listen = listFlag{"/ip4/0.0.0.0/tcp/4001", "/ip4/0.0.0.0/udp/4001/quic-v1"}
	}
	return f, nil
}

// runNode runs a rendezvous + mailbox + relay node until ctx is cancelled.
// Start-up order: key, DB, metrics registry, host, handlers, then the
// "listening" lines (so a reader of stdout may dial at once). Shutdown runs
// in reverse: metrics server, host (no new requests), then the DB.
func runNode(ctx context.Context, args []string, env *environment) error {
	f, err := parseNodeFlags(args, env)
	if err != nil {
		return err
	}
	p2p.RouteLibp2pLogs(env.logger.Handler(), slog.LevelWarn)
	if err := os.MkdirAll(f.data, 0o700); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	key, err := loadOrCreateKey(filepath.Join(f.data, nodeKeyFile))
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	srv, err := server.Open(server.Config{
		Dir: filepath.Join(f.data, "mailbox"), TTL: f.ttl, MaxInboxBytes: f.maxInboxBytes,
		Logger: env.logger, Registerer: reg,
	})
	if err != nil {
		return err
	}
	defer srv.Close() // after the host: see the deferred h.Close below
	h, err := p2p.NewHost(ctx, p2p.Config{
		Identity: key, ListenAddrs: f.listen, Profile: p2p.ProfileNode,
		RelayService: true, Registerer: reg, Logger: env.logger,
	})
	if err != nil {
		return err
	}
	defer h.Close()
	srv.Attach(h)
	if f.metrics != "" {
		stop, err := serveMetrics(f.metrics, reg, env.logger)
		if err != nil {
			return err
		}
		defer stop()
	}
	if err := printAddrs(env, h); err != nil {
		return err
	}
	env.logger.Info("node running", "peer", h.ID(), "data", f.data)
	<-ctx.Done()
	env.logger.Info("node stopping")
	return nil
}

func printAddrs(env *environment, h host.Host) error {
	for _, a := range h.Addrs() {
		if _, err := fmt.Fprintf(env.stdout, "listening %s/p2p/%s\n", a, h.ID()); err != nil {
			return fmt.Errorf("print address: %w", err)
		}
	}
	if s, ok := env.stdout.(interface{ Sync() error }); ok {
		_ = s.Sync()
	}
	return nil
}

// loadOrCreateKey reads the node key at path, creating it on first run.
func loadOrCreateKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return createKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("read node key: %w", err)
	}
	if len(b) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("node key %s: %d bytes, want %d", path, len(b), ed25519.PrivateKeySize)
	}
	key := ed25519.PrivateKey(b)
	if !key.Public().(ed25519.PublicKey).Equal(ed25519.NewKeyFromSeed(key.Seed()).Public()) {
		return nil, fmt.Errorf("node key %s: public half does not match the seed", path)
	}
	return key, nil
}

func createKey(path string) (ed25519.PrivateKey, error) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate node key: %w", err)
	}
	// Write a temp file and rename it, so a crash never leaves a short key.
	tmp := path + ".tmp"
	fh, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create node key: %w", err)
	}
	_, err = fh.Write(key)
	if err == nil {
		err = fh.Sync()
	}
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return nil, fmt.Errorf("write node key: %w", err)
	}
	return key, nil
}

// serveMetrics serves reg on addr until the returned stop is called.
func serveMetrics(addr string, reg *prometheus.Registry, logger *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Warn("metrics server", "err", err)
		}
	}()
	logger.Info("metrics listening", "addr", ln.Addr().String())
	return func() {
		_ = srv.Close()
		<-done
	}, nil
}
