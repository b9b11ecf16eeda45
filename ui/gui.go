package ui

import (
	"context"
	"sync"
	"time"

	"fyne.io/fyne/v2"
)

// Preference keys kept in the Fyne app's preferences (never secrets).
const (
	prefAutoLock = "autolock_minutes" // int; 0 = never
	defaultLock  = 10
)

// GUI is the desktop app: one window that shows the first-run screen, the
// unlock screen or the main screen of an unlocked profile. Its methods must be
// called on the UI goroutine. The zero value is not usable; use New.
type GUI struct {
	ctx    context.Context // lifecycle of the window; cancelled when it closes
	app    fyne.App
	win    fyne.Window
	opener Opener
	now    func() time.Time
	bg     tasks
	// closing counts locked cores still closing; Unlock waits for it.
	closing sync.WaitGroup

	// Fields below are touched only on the UI goroutine.
	sess     *session        // the unlocked profile; nil while locked
	firstRun *firstRunScreen // set while the first-run screen shows
	unlock   *unlockScreen   // set while the unlock screen shows
}

// New builds the GUI in window w of app a. It shows nothing until Start.
// ctx bounds every call the GUI makes; cancel it when the window closes.
func New(ctx context.Context, a fyne.App, w fyne.Window, o Opener) *GUI {
	g := &GUI{ctx: ctx, app: a, win: w, opener: o, now: time.Now}
	g.bg.do = fyne.Do
	lc := a.Lifecycle()
	lc.SetOnEnteredForeground(func() { g.foreground(true) })
	lc.SetOnExitedForeground(func() { g.foreground(false) })
	return g
}

// foreground records whether the window has the focus: messages for the
// open conversation count as read only while it does.
func (g *GUI) foreground(on bool) {
	s := g.sess
	if s == nil {
		return
	}
	s.background = !on
	if on {
		s.touch()
		s.markOpenRead()
	}
}

// Start shows the first-run screen when there is no profile yet, otherwise
// the unlock screen. Call it on the UI goroutine.
func (g *GUI) Start() {
	// ProfileExists only stats a file: cheap enough for the UI goroutine
	// before the window shows.
	if g.opener.ProfileExists() {
		g.showUnlock()
		return
	}
	g.showFirstRun()
}

// Lock closes the core and returns to the unlock screen. Everything the main
// screen showed is dropped, so nothing of the conversations stays in memory
// held by widgets. Safe to call when already locked.
func (g *GUI) Lock() {
	s := g.sess
	if s == nil {
		return
	}
	g.sess = nil
	s.end()
	g.win.SetTitle("parley")
	g.showUnlock()
}

// Close ends the session without showing another screen, for when the window
// is going away. It blocks until the core is closed. Safe to call twice.
func (g *GUI) Close() {
	if s := g.sess; s != nil {
		g.sess = nil
		s.stop()
		_ = s.core.Close()
	}
}

func (g *GUI) showFirstRun() {
	g.unlock = nil
	g.firstRun = newFirstRunScreen(g)
	g.win.SetContent(g.firstRun.content)
	g.firstRun.content.Refresh() // wrapped labels know their width only now
	g.win.Canvas().Focus(g.firstRun.name)
}

func (g *GUI) showUnlock() {
	g.firstRun = nil
	g.unlock = newUnlockScreen(g)
	g.win.SetContent(g.unlock.content)
	g.unlock.content.Refresh()
	g.win.Canvas().Focus(g.unlock.pass)
}

// opened switches to the main screen of an unlocked core.
func (g *GUI) opened(c Core) {
	g.firstRun, g.unlock = nil, nil
	g.sess = newSession(g, c)
	g.win.SetContent(g.sess.content)
	g.sess.start()
}

// autoLockMinutes is the idle time before the GUI locks itself; 0 is never.
func (g *GUI) autoLockMinutes() int {
	return g.app.Preferences().IntWithFallback(prefAutoLock, defaultLock)
}
