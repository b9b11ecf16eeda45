package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/parley-chat/parley/app"
)

// problemOf is the only way the GUI turns an error into words: the core's
// mapping, app.ProblemOf. It never shows err.Error().
func problemOf(err error) app.Problem { return app.ProblemOf(err) }

// problemText is the Problem as a short paragraph: detail then hint.
func problemText(p app.Problem) string {
	switch {
	case p.Detail == "":
		return p.Hint
	case p.Hint == "":
		return p.Detail
	}
	return p.Detail + " " + p.Hint
}

// showProblem shows a Problem in a modal dialog over w.
func showProblem(w fyne.Window, p app.Problem) {
	body := widget.NewLabel(problemText(p))
	body.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustom(p.Title, "OK", container.NewPadded(body), w)
	d.Resize(fyne.NewSize(380, 180))
	d.Show()
}

// problemBar is an inline, dismissible problem shown at the top of a screen
// or inside a form. The zero value is not usable; use newProblemBar.
type problemBar struct {
	title, detail *widget.Label
	box           *fyne.Container
}

// newProblemBar is an inline problem shown in a form.
func newProblemBar() *problemBar { return buildProblemBar(false) }

// newClosableProblemBar has a close button, for the main screen where
// problems arrive from the background.
func newClosableProblemBar() *problemBar { return buildProblemBar(true) }

func buildProblemBar(closable bool) *problemBar {
	b := &problemBar{title: widget.NewLabel(""), detail: widget.NewLabel("")}
	b.title.TextStyle = fyne.TextStyle{Bold: true}
	b.title.Importance = widget.DangerImportance
	b.detail.Wrapping = fyne.TextWrapWord
	bg := canvas.NewRectangle(withAlpha(theme.Color(theme.ColorNameError), 0x20))
	bg.StrokeColor = theme.Color(theme.ColorNameError)
	bg.StrokeWidth = 1
	bg.CornerRadius = theme.InputRadiusSize()
	icon := widget.NewIcon(theme.NewErrorThemedResource(theme.ErrorIcon()))
	var right fyne.CanvasObject
	if closable {
		closeBtn := widget.NewButtonWithIcon("", theme.CancelIcon(), b.hide)
		closeBtn.Importance = widget.LowImportance
		right = container.NewCenter(closeBtn)
	}
	b.box = container.NewStack(bg, container.NewBorder(nil, nil, container.NewCenter(icon), right,
		container.NewVBox(b.title, b.detail)))
	b.box.Hide()
	return b
}

// show displays p; an empty Problem hides the bar.
func (b *problemBar) show(p app.Problem) {
	if p.Title == "" {
		b.box.Hide()
		return
	}
	b.title.SetText(p.Title)
	b.detail.SetText(problemText(p))
	b.box.Show()
}

func (b *problemBar) hide() { b.box.Hide() }
