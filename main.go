// Command parley is a peer-to-peer, end-to-end encrypted chat app.
//
//	parley                      open the desktop app (GUI builds only)
//	parley node --data DIR ...  run a rendezvous + mailbox + relay node
//	parley init --data DIR ...  create a profile for the headless client
//	parley client --json ...    run the headless client (JSON lines)
//	parley version              print the version
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/parley-chat/parley/app"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

// command is one subcommand: it gets the arguments after its name.
type command func(ctx context.Context, args []string, env *environment) error

// environment is what main hands every subcommand: streams and the logger.
type environment struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	logger *slog.Logger
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string) int {
	env := &environment{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, logger: newLogger(os.Stderr)}
	name, rest := "gui", args
	if len(args) > 0 && (len(args[0]) == 0 || args[0][0] != '-') {
		name, rest = args[0], args[1:]
	}
	commands := map[string]command{
		"gui":     runGUI,
		"node":    runNode,
		"init":    runInit,
		"client":  runClient,
		"version": runVersion,
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(env.stderr, "parley: unknown command %q (want node, init, client or version)\n", name)
		return 2
	}
	if name == "gui" || name == "client" {
		app.TuneRuntime()
	}
	if err := cmd(ctx, rest, env); err != nil {
		fmt.Fprintf(env.stderr, "parley %s: %v\n", name, err)
		return 1
	}
	return 0
}

func runVersion(_ context.Context, _ []string, env *environment) error {
	_, err := fmt.Fprintf(env.stdout, "parley %s\n", version)
	return err
}

// newLogger builds the one slog handler of the process. PARLEY_LOG sets the
// level (debug, info, warn, error); the default is warn so that the JSON
// client's stdout stays clean and stderr stays quiet.
func newLogger(w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(os.Getenv("PARLEY_LOG"))); err != nil {
		level = slog.LevelWarn
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}
