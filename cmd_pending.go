package main

import (
	"context"
	"errors"
)

// errNotBuilt is returned by subcommands whose implementation has not landed yet.
var errNotBuilt = errors.New("this command is not built yet")

func runInit(context.Context, []string, *environment) error   { return errNotBuilt }
func runClient(context.Context, []string, *environment) error { return errNotBuilt }
