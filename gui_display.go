//go:build cgo && !nogui

package main

import (
	"errors"
	"os"
	"runtime"
	"strings"
)

// errNoDisplay explains why the desktop app cannot open a window.
var errNoDisplay = errors.New("no graphical display found (neither DISPLAY nor WAYLAND_DISPLAY is set): start parley in a desktop session, or use 'parley node' or 'parley client --json'")

// checkDisplay fails early, with a sentence, where GLFW would panic: on
// Linux and the BSDs without an X11 or Wayland display. Other systems
// always have a display server.
func checkDisplay() error {
	switch runtime.GOOS {
	case "linux", "freebsd", "openbsd", "netbsd":
		if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
			return errNoDisplay
		}
	}
	return nil
}

// fixLocale gives Fyne a locale it can parse: the POSIX locales "C" and
// "POSIX" (common on servers and in containers) make it log an error at
// start. Only the process's own environment changes.
func fixLocale() {
	lang := os.Getenv("LANG")
	if lang == "C" || lang == "POSIX" || strings.HasPrefix(lang, "C.") {
		os.Setenv("LANG", "en_US.UTF-8")
	}
}
