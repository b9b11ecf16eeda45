package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
)

// widthLayout gives its objects a fixed width (or less if the space is
// smaller) and their natural height, stacked on top of each other.
type widthLayout struct{ width float32 }

func (l widthLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	h := float32(0)
	for _, o := range objects {
		if o.Visible() {
			h = max(h, o.MinSize().Height)
		}
	}
	return fyne.NewSize(l.width, h)
}

func (l widthLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

// card centres content in a column of the given width.
func card(width float32, content fyne.CanvasObject) fyne.CanvasObject {
	return container.NewCenter(container.New(widthLayout{width}, content))
}

// tightVBox stacks objects vertically with their inner padding overlapping,
// for a name over a preview line.
type tightVBox struct{}

const tightOverlap = 10

func (tightVBox) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for i, o := range objects {
		m := o.MinSize()
		s.Width = max(s.Width, m.Width)
		s.Height += m.Height
		if i > 0 {
			s.Height -= tightOverlap
		}
	}
	return s
}

func (tightVBox) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	y := float32(0)
	for _, o := range objects {
		h := o.MinSize().Height
		o.Move(fyne.NewPos(0, y))
		o.Resize(fyne.NewSize(size.Width, h))
		y += h - tightOverlap
	}
}

// padLayout insets its objects by fixed horizontal and vertical padding.
type padLayout struct{ x, y float32 }

func (l padLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objects {
		s = s.Max(o.MinSize())
	}
	return s.Add(fyne.NewSize(2*l.x, 2*l.y))
}

func (l padLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Move(fyne.NewPos(l.x, l.y))
		o.Resize(size.Subtract(fyne.NewSize(2*l.x, 2*l.y)))
	}
}

// chatLayout stacks the conversation: day separators centred, bubbles
// aligned left (theirs) or right (ours), each bubble at most bubbleShare of
// the column. When the column width changes, bubble heights change, and
// onGrow tells the scroller to take the new height. laidOut is called after
// each layout.
type chatLayout struct {
	width   float32
	lastMin float32
	onGrow  func()
	laidOut func()
}

const chatGap, chatPad = 6, 12

func (l *chatLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	h := float32(chatPad)
	for _, o := range objects {
		h += o.MinSize().Height + chatGap
	}
	l.lastMin = h + chatPad
	return fyne.NewSize(200, l.lastMin)
}

func (l *chatLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	changed := false
	if size.Width != l.width {
		l.width = size.Width
		for _, o := range objects {
			if b, ok := o.(*bubble); ok && b.setMaxWidth(max(160, (size.Width-2*chatPad)*bubbleShare)) {
				changed = true
			}
		}
	}
	y := float32(chatPad)
	for _, o := range objects {
		m := o.MinSize()
		x := (size.Width - m.Width) / 2
		if b, ok := o.(*bubble); ok {
			x = chatPad
			if b.msg.Outgoing {
				x = size.Width - chatPad - m.Width
			}
		}
		o.Move(fyne.NewPos(x, y))
		o.Resize(m)
		y += m.Height + chatGap
	}
	if changed && y+chatPad != l.lastMin && l.onGrow != nil {
		l.onGrow()
	}
	if l.laidOut != nil {
		l.laidOut()
	}
}

// withAlpha returns c with alpha a, for tinted backgrounds.
func withAlpha(c color.Color, a uint8) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), a}
}
