//go:build cgo && !nogui

package main

import (
	"context"
	_ "embed"
	"flag"
	"log/slog"
	"path/filepath"
	"sync"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"github.com/parley-chat/parley/app"
	"github.com/parley-chat/parley/ui"
)

// The GUI hands *app.Client to ui as its Core.
var _ ui.Core = (*app.Client)(nil)

//go:embed Icon.png
var iconPNG []byte

// appID is the Fyne app ID (also in FyneApp.toml); it names the storage root.
const appID = "chat.parley.app"

// prefLastNode remembers the home node of the last profile created, to pre-fill.
const prefLastNode = "last_node"

// runGUI opens the desktop app: parley [--data DIR] [--node MULTIADDR]... [--listen MULTIADDR]...
// Closing the window cancels the root context and waits for the client core.
func runGUI(ctx context.Context, args []string, env *environment) error {
	fs := flag.NewFlagSet("parley", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	data := fs.String("data", "", "data directory of the profile (default: the app's storage folder)")
	var nodes, listen listFlag
	fs.Var(&nodes, "node", "home node multiaddr with /p2p/<peer ID> (repeatable; pre-fills the first run and overrides the profile's for this run)")
	fs.Var(&listen, "listen", "multiaddr to listen on (repeatable; default all interfaces, TCP and QUIC)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := checkDisplay(); err != nil {
		return err
	}
	fixLocale()
	a := fyneapp.NewWithID(appID)
	a.SetIcon(fyne.NewStaticResource("Icon.png", iconPNG))
	dir := *data
	if dir == "" {
		// The storage root is the per-user app folder on every platform
		// (~/.config/fyne/<id> on Linux, the app sandbox on Android).
		dir = filepath.Join(a.Storage().RootURI().Path(), "profile")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	op := &opener{ctx: ctx, dir: dir, nodes: nodes, listen: listen, prefs: a.Preferences(), log: env.logger}
	w := a.NewWindow("parley")
	w.Resize(fyne.NewSize(1000, 680))
	w.SetMaster()
	g := ui.New(ctx, a, w, op)
	g.Start()
	// Ctrl+C or SIGTERM closes the window like the user would.
	stop := context.AfterFunc(ctx, func() { fyne.Do(a.Quit) })
	w.ShowAndRun()
	stop() // the loop is gone: nothing may queue on it any more
	// Shutdown order: the UI is gone; stop the core (cancel + Close), then
	// wait for Run, which closes the host and the vault on its way out.
	cancel()
	g.Close()
	op.wait()
	return nil
}

// opener implements ui.Opener over app.ProfileExists, app.CreateProfile and
// app.Open. Safe for concurrent use.
type opener struct {
	ctx    context.Context // the window's lifetime; bounds client.Run
	dir    string
	nodes  []string // from --node
	listen []string // from --listen
	prefs  fyne.Preferences
	log    *slog.Logger
	runs   sync.WaitGroup // one client.Run per unlock
}

func (o *opener) ProfileExists() bool { return app.ProfileExists(o.dir) }

func (o *opener) DefaultNode() string {
	if len(o.nodes) > 0 {
		return o.nodes[0]
	}
	return o.prefs.String(prefLastNode)
}

func (o *opener) Create(ctx context.Context, name string, pass []byte, nodes []string) error {
	err := app.CreateProfile(ctx, app.ProfileConfig{Dir: o.dir, Name: name, Passphrase: pass, Nodes: nodes})
	if err == nil && len(nodes) > 0 {
		o.prefs.SetString(prefLastNode, nodes[0])
	}
	return err
}

// Unlock opens the profile and runs the client until it is closed (lock)
// or the window goes away.
func (o *opener) Unlock(ctx context.Context, pass []byte) (ui.Core, error) {
	cfg := app.Config{Dir: o.dir, Passphrase: pass, Logger: o.log}
	if len(o.listen) > 0 {
		cfg.Listen = o.listen
	}
	if len(o.nodes) > 0 {
		cfg.Nodes = o.nodes
	}
	c, err := app.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	o.runs.Go(func() {
		if err := c.Run(o.ctx); err != nil {
			o.log.Warn("client stopped", "err", err)
		}
	})
	return c, nil
}

// wait blocks until every client.Run returned.
func (o *opener) wait() { o.runs.Wait() }
