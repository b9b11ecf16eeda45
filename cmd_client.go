package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"

	"github.com/parley-chat/parley/app"
	"github.com/parley-chat/parley/app/jsonclient"
	"github.com/parley-chat/parley/p2p"
)

// runClient runs the headless client: parley client --json --data DIR [--listen MULTIADDR]...
func runClient(ctx context.Context, args []string, env *environment) error {
	fs := flag.NewFlagSet("client", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	asJSON := fs.Bool("json", false, "speak JSON lines on stdin/stdout (required)")
	data := fs.String("data", "", "data directory of the profile (required)")
	var listen, nodes listFlag
	fs.Var(&listen, "listen", "multiaddr to listen on (repeatable; default all interfaces, TCP and QUIC)")
	fs.Var(&nodes, "node", "home node multiaddr for this run (repeatable; default: the profile's)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !*asJSON || *data == "" {
		return errors.New("usage: parley client --json --data DIR [--listen MULTIADDR]")
	}
	if !app.ProfileExists(*data) {
		return fmt.Errorf("there is no profile in %s; create one with parley init", *data)
	}
	p2p.RouteLibp2pLogs(env.logger.Handler(), slog.LevelWarn)
	pass, err := readPassphrase(env, false)
	if err != nil {
		return err
	}
	cfg := app.Config{Dir: *data, Passphrase: pass, Logger: env.logger}
	if len(listen) > 0 {
		cfg.Listen = listen
	}
	if len(nodes) > 0 {
		cfg.Nodes = nodes
	}
	c, err := app.Open(ctx, cfg)
	clear(pass)
	if errors.Is(err, app.ErrWrongPassphrase) {
		return errors.New("wrong passphrase: it does not unlock this profile")
	}
	if err != nil {
		return fmt.Errorf("%s", app.ProblemOf(err).Sentence())
	}
	return jsonclient.Serve(ctx, c, env.stdin, env.stdout)
}
