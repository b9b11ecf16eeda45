package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/parley-chat/parley/p2p"
	"github.com/parley-chat/parley/rendezvous/server"
)

// benchNodeMain is "bench node": the real rendezvous server on a real node
// host, in a process of its own. Scenario 5 falls back to it while the
// `parley node` command is not built, so the node's figures exist anyway.
func benchNodeMain(args []string) int {
	fs := flag.NewFlagSet("node", flag.ContinueOnError)
	data := fs.String("data", "", "data directory")
	listen := fs.String("listen", "/ip4/127.0.0.1/tcp/0", "listen multiaddr")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	slog.SetDefault(slog.New(slog.DiscardHandler))
	// Like parley node at PARLEY_LOG=warn: libp2p's warnings (resource
	// limits) go to stderr, where scenario 5 looks for the limiter.
	p2p.RouteLibp2pLogs(slog.NewTextHandler(os.Stderr, nil), slog.LevelWarn)
	raiseFileLimit()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serveNode(ctx, *data, *listen); err != nil {
		fmt.Fprintln(os.Stderr, "bench node:", err)
		return 1
	}
	return 0
}

func serveNode(ctx context.Context, data, listen string) error {
	srv, err := server.Open(server.Config{Dir: data})
	if err != nil {
		return err
	}
	defer srv.Close()
	_, sk, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	h, err := p2p.NewHost(ctx, p2p.Config{Identity: sk, ListenAddrs: []string{listen}, Profile: p2p.ProfileNode})
	if err != nil {
		return err
	}
	defer h.Close() // closed before srv, as Server.Close asks
	srv.Attach(h)
	for _, a := range h.Addrs() {
		fmt.Printf("listening %s/p2p/%s\n", a, h.ID())
	}
	<-ctx.Done()
	return nil
}
