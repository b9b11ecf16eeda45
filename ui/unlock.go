package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// unlockScreen asks for the passphrase of an existing profile. A wrong one
// says so and lets the user retry; the profile is never touched. The zero
// value is not usable.
type unlockScreen struct {
	g        *GUI
	pass     *widget.Entry
	unlock   *widget.Button
	progress *fyne.Container
	problem  *problemBar
	content  fyne.CanvasObject
}

func newUnlockScreen(g *GUI) *unlockScreen {
	s := &unlockScreen{g: g, problem: newProblemBar()}
	s.pass = widget.NewPasswordEntry()
	s.pass.SetPlaceHolder("Passphrase")
	s.pass.OnSubmitted = func(string) { s.submit() }
	s.unlock = widget.NewButtonWithIcon("Unlock", theme.LoginIcon(), s.submit)
	s.unlock.Importance = widget.HighImportance
	s.progress = container.NewVBox(widget.NewProgressBarInfinite(), widget.NewLabel("Unlocking… this takes a second."))
	s.progress.Hide()

	title := canvas.NewText("parley", theme.Color(theme.ColorNameForeground))
	title.TextSize = theme.TextHeadingSize()
	title.TextStyle = fyne.TextStyle{Bold: true}
	sub := widget.NewLabel("Enter your passphrase to unlock your messages.")
	sub.Alignment = fyne.TextAlignCenter
	sub.Wrapping = fyne.TextWrapWord
	s.content = card(380, container.NewVBox(logo(64), container.NewCenter(title), sub,
		s.pass, s.problem.box, s.progress, s.unlock))
	return s
}

// submit derives the key and opens the profile off the UI goroutine.
func (s *unlockScreen) submit() {
	if s.pass.Disabled() || s.pass.Text == "" {
		return
	}
	pass := []byte(s.pass.Text)
	s.busy(true)
	var core Core
	s.g.bg.start(func() error {
		defer clear(pass)
		s.g.closing.Wait()
		var err error
		core, err = s.g.opener.Unlock(s.g.ctx, pass)
		return err
	}, func(err error) {
		if s.g.unlock != s {
			if core != nil { // the window moved on; do not leak an open vault
				s.g.bg.start(core.Close, func(error) {})
			}
			return
		}
		s.busy(false)
		s.pass.SetText("")
		if err != nil {
			s.problem.show(problemOf(err))
			s.content.Refresh()
			s.g.win.Canvas().Focus(s.pass)
			return
		}
		s.g.opened(core)
	})
}

func (s *unlockScreen) busy(on bool) {
	if on {
		s.problem.hide()
		s.pass.Disable()
		s.unlock.Disable()
		s.progress.Show()
		s.content.Refresh()
		return
	}
	s.pass.Enable()
	s.unlock.Enable()
	s.progress.Hide()
	s.content.Refresh()
}
