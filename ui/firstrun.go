package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// embeddedNodeHelp explains the optional home node on the first-run screen.
const embeddedNodeHelp = "Leave this empty to use the node built into parley: it works at once " +
	"with people on your network, but it keeps messages for you only while the app runs. " +
	"A dedicated node (parley node on a server) keeps them while you are offline. " +
	"You can switch at any time in Settings without losing contacts or history."

// firstRunScreen creates a profile: name, passphrase twice with a strength
// hint, and an optional home node. The zero value is not usable.
type firstRunScreen struct {
	g                       *GUI
	name, pass, again, node *widget.Entry
	hint                    *widget.Label
	create                  *widget.Button
	progress                *fyne.Container
	problem                 *problemBar
	content                 fyne.CanvasObject
}

func newFirstRunScreen(g *GUI) *firstRunScreen {
	s := &firstRunScreen{g: g, problem: newProblemBar()}
	s.name = widget.NewEntry()
	s.name.SetPlaceHolder("How friends will see you")
	s.pass = widget.NewPasswordEntry()
	s.pass.SetPlaceHolder("At least 8 characters; a few words is best")
	s.again = widget.NewPasswordEntry()
	s.again.SetPlaceHolder("Type it again")
	s.node = widget.NewEntry()
	s.node.SetPlaceHolder("Empty: the built-in node")
	s.node.SetText(g.opener.DefaultNode())
	s.hint = widget.NewLabel("")
	s.hint.Wrapping = fyne.TextWrapWord
	s.hint.SizeName = theme.SizeNameCaptionText
	s.create = widget.NewButtonWithIcon("Create profile", theme.ConfirmIcon(), s.submit)
	s.create.Importance = widget.HighImportance
	for _, e := range []*widget.Entry{s.name, s.pass, s.again} {
		e.OnChanged = func(string) { s.validate() }
	}
	s.again.OnSubmitted = func(string) { s.submit() }
	s.node.OnSubmitted = func(string) { s.submit() }
	s.progress = container.NewVBox(widget.NewProgressBarInfinite(),
		widget.NewLabel("Creating your keys and encrypting the profile…"))
	s.progress.Hide()
	s.content = s.layout()
	s.validate()
	return s
}

func (s *firstRunScreen) layout() fyne.CanvasObject {
	title := canvas.NewText("Welcome to parley", theme.Color(theme.ColorNameForeground))
	title.TextSize = theme.TextHeadingSize()
	title.TextStyle = fyne.TextStyle{Bold: true}
	intro := widget.NewLabel("Create your profile. It stays on this device, encrypted with your passphrase; " +
		"nobody else, no server included, can read your messages.")
	intro.Wrapping = fyne.TextWrapWord
	help := widget.NewLabel(embeddedNodeHelp)
	help.Wrapping = fyne.TextWrapWord
	help.SizeName = theme.SizeNameCaptionText
	form := widget.NewForm(
		widget.NewFormItem("Your name", s.name),
		widget.NewFormItem("Passphrase", s.pass),
		widget.NewFormItem("Repeat", s.again),
		widget.NewFormItem("", s.hint),
		widget.NewFormItem("Home node", s.node),
		widget.NewFormItem("", help),
	)
	return container.NewVScroll(card(520, container.NewVBox(
		logo(48), container.NewCenter(title), intro, form, s.problem.box, s.progress, s.create)))
}

// validate updates the strength hint and enables Create when the form is complete.
func (s *firstRunScreen) validate() {
	str := estimateStrength(s.pass.Text)
	hint := str.hint()
	if s.pass.Text == "" {
		hint = "Use at least 8 characters; a few random words are strong and easy to remember."
	}
	if s.again.Text != "" && s.again.Text != s.pass.Text {
		hint += " The two passphrases differ."
	}
	s.hint.SetText(hint)
	s.hint.Importance = widget.MediumImportance
	if str <= strengthWeak && s.pass.Text != "" {
		s.hint.Importance = widget.WarningImportance
	}
	s.hint.Refresh()
	ok := s.name.Text != "" && str > strengthTooShort && s.again.Text == s.pass.Text
	if ok {
		s.create.Enable()
	} else {
		s.create.Disable()
	}
}

// submit creates the profile, then unlocks it, off the UI goroutine.
func (s *firstRunScreen) submit() {
	if s.create.Disabled() {
		return
	}
	name, nodes := s.name.Text, splitNodes(s.node.Text)
	pass := []byte(s.pass.Text)
	s.busy(true)
	var core Core
	s.g.bg.start(func() error {
		defer clear(pass)
		if err := s.g.opener.Create(s.g.ctx, name, pass, nodes); err != nil {
			return err
		}
		var err error
		core, err = s.g.opener.Unlock(s.g.ctx, pass)
		return err
	}, func(err error) {
		if s.g.firstRun != s {
			return // the screen changed meanwhile
		}
		if err != nil {
			s.busy(false)
			s.problem.show(problemOf(err))
			s.content.Refresh()
			return
		}
		s.pass.SetText("")
		s.again.SetText("")
		s.g.opened(core)
	})
}

// busy disables the form and shows progress while the profile is created.
func (s *firstRunScreen) busy(on bool) {
	for _, e := range []*widget.Entry{s.name, s.pass, s.again, s.node} {
		if on {
			e.Disable()
		} else {
			e.Enable()
		}
	}
	if on {
		s.problem.hide()
		s.create.Disable()
		s.progress.Show()
		s.content.Refresh()
		return
	}
	s.progress.Hide()
	s.validate()
	s.content.Refresh()
}
