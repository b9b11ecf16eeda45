package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/parley-chat/parley/app"
	"github.com/parley-chat/parley/vault"
)

// passphraseEnv names the environment variable the headless commands read
// the passphrase from. There is deliberately no flag: flags show up in ps.
const passphraseEnv = "PARLEY_PASSPHRASE"

// insecureKDFEnv, set to 1, makes init protect the new vault with trivially
// cheap Argon2id parameters. Process tests use it to keep their runtime in
// budget; it must never be set for a real profile.
const insecureKDFEnv = "PARLEY_INSECURE_TEST_KDF"

// runInit creates a profile: parley init --data DIR --name NAME [--node MULTIADDR]...
func runInit(ctx context.Context, args []string, env *environment) error {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	data := fs.String("data", "", "data directory of the profile (required)")
	name := fs.String("name", "", "display name shown to friends (required)")
	var nodes listFlag
	fs.Var(&nodes, "node", "home node multiaddr with /p2p/<peer ID> (repeatable; none: embedded node)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *data == "" || strings.TrimSpace(*name) == "" {
		return errors.New("--data and --name are required")
	}
	if app.ProfileExists(*data) {
		return fmt.Errorf("%s already holds a profile", *data)
	}
	pass, err := readPassphrase(env, true)
	if err != nil {
		return err
	}
	defer clear(pass)
	cfg := app.ProfileConfig{Dir: *data, Name: *name, Passphrase: pass, Nodes: nodes}
	if os.Getenv(insecureKDFEnv) == "1" {
		cfg.KDF = &vault.TestKDF // tests only: see insecureKDFEnv
	}
	err = app.CreateProfile(ctx, cfg)
	if err != nil {
		return fmt.Errorf("%s", app.ProblemOf(err).Sentence())
	}
	_, err = fmt.Fprintf(env.stdout, "profile created in %s\n", *data)
	return err
}

// readPassphrase takes the passphrase from PARLEY_PASSPHRASE, or prompts on
// the terminal without echo (twice when confirm is set).
func readPassphrase(env *environment, confirm bool) ([]byte, error) {
	if p, ok := os.LookupEnv(passphraseEnv); ok {
		if p == "" {
			return nil, errors.New(passphraseEnv + " is empty")
		}
		return []byte(p), nil
	}
	f, ok := env.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, errors.New("no passphrase: set " + passphraseEnv + " or run in a terminal")
	}
	p, err := prompt(f, env.stderr, "Passphrase: ")
	if err != nil || !confirm {
		return p, err
	}
	if len(p) == 0 {
		return nil, errors.New("the passphrase is empty")
	}
	again, err := prompt(f, env.stderr, "Passphrase again: ")
	if err != nil {
		return nil, err
	}
	defer clear(again)
	if string(again) != string(p) {
		clear(p)
		return nil, errors.New("the two passphrases differ")
	}
	return p, nil
}

func prompt(f *os.File, w io.Writer, label string) ([]byte, error) {
	fmt.Fprint(w, label)
	p, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(w)
	if err != nil {
		return nil, fmt.Errorf("read passphrase: %w", err)
	}
	return p, nil
}
