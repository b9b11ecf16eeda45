// Package ui is parley's desktop GUI: Fyne screens over the client core.
//
// # Threading
//
// Widgets are touched only on the Fyne UI goroutine. Every call into [Core]
// or [Opener] may block on disk or network, so it runs in a background
// goroutine started by [GUI] (see async.go) and hands its result back with
// fyne.Do. Events from the core arrive through one drain loop per unlocked
// session, which applies each event with fyne.Do.
//
// # Screens
//
// One file per screen: firstrun.go, unlock.go, mainwindow.go (contacts on the
// left, conversation on the right, status line at the bottom), and the
// dialogs addcontact.go, invite.go, requests.go, details.go and settings.go.
//
// # Text
//
// Names and messages come sanitised from the core; the GUI still renders them
// as plain text only (canvas.Text and plain labels, never Markdown or rich
// text), and it shows errors as [app.Problem] words, never err.Error().
//
// ui never imports fyne.io/fyne/v2/app: the GUI entry point creates the Fyne
// app and passes it in, so these tests run on Fyne's test driver with
// CGO_ENABLED=0.
package ui
