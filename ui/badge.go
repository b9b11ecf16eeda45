package ui

import (
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
)

// badge is a small pill with a count (unread messages, pending requests),
// hidden while the count is zero. UI goroutine only.
type badge struct {
	bg   *canvas.Rectangle
	text *canvas.Text
	box  *fyne.Container
}

func newBadge() *badge {
	b := &badge{
		bg:   canvas.NewRectangle(theme.Color(theme.ColorNamePrimary)),
		text: canvas.NewText("", theme.Color(theme.ColorNameForegroundOnPrimary)),
	}
	b.text.TextSize = theme.CaptionTextSize()
	b.text.TextStyle = fyne.TextStyle{Bold: true}
	b.text.Alignment = fyne.TextAlignCenter
	b.bg.CornerRadius = 9
	b.box = container.New(badgeLayout{}, b.bg, b.text)
	b.box.Hide()
	return b
}

// set shows n, or hides the badge for zero; large counts show as 99+.
func (b *badge) set(n int) {
	switch {
	case n <= 0:
		b.box.Hide()
		return
	case n > 99:
		b.text.Text = "99+"
	default:
		b.text.Text = strconv.Itoa(n)
	}
	b.text.Refresh()
	b.box.Show()
	b.box.Refresh()
}

// badgeLayout sizes the pill around its text: at least a circle.
type badgeLayout struct{}

func (badgeLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	t := objects[1].MinSize()
	return fyne.NewSize(max(18, t.Width+10), 18)
}

func (badgeLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
	t := objects[1]
	t.Move(fyne.NewPos(0, (size.Height-t.MinSize().Height)/2))
	t.Resize(fyne.NewSize(size.Width, t.MinSize().Height))
}

// dotBox is a presence or status dot of the given diameter, centred vertically.
func dotBox(dot *canvas.Circle, d float32) fyne.CanvasObject {
	return container.NewCenter(container.NewGridWrap(fyne.NewSize(d, d), dot))
}
