//go:build cgo && !nogui

package main

import (
	"context"
	"errors"
)

// runGUI opens the desktop app.
func runGUI(context.Context, []string, *environment) error {
	return errors.New("the desktop app is not built yet")
}
