//go:build !cgo || nogui

package main

import (
	"context"
	"errors"
)

// runGUI in a build without cgo explains how to get the desktop app.
func runGUI(context.Context, []string, *environment) error {
	return errors.New("this binary was built without the desktop app (CGO_ENABLED=0 or -tags nogui); use 'parley node' or 'parley client --json', or build with cgo for the GUI")
}
