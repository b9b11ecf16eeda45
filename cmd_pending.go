package main

import (
	"errors"
)

// errNotBuilt is returned by subcommands whose implementation has not landed yet.
var errNotBuilt = errors.New("this command is not built yet")
