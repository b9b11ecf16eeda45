package ui

import (
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/parley-chat/parley/app"
)

// Bubble geometry, in points.
const (
	bubblePad    = 10   // inside the bubble, around the text
	bubbleShare  = 0.72 // widest a bubble may be, as a share of the column
	bubbleRadius = 12
	markSize     = 14
)

// bubble is one message: plain text (never markup) wrapped to the column,
// the time and, for our own messages, the delivery mark. Own messages are
// right-aligned in the primary colour. UI goroutine only.
type bubble struct {
	widget.BaseWidget
	msg      app.Message
	maxWidth float32 // set by chatLayout from the column width
}

func newBubble(m app.Message) *bubble {
	b := &bubble{msg: m, maxWidth: 420}
	b.ExtendBaseWidget(b)
	return b
}

// setStatus changes the delivery mark.
func (b *bubble) setStatus(st app.MessageStatus) {
	if b.msg.Status == st {
		return
	}
	b.msg.Status = st
	b.Refresh()
}

// setMaxWidth sets the widest the bubble may be; it reports a change.
func (b *bubble) setMaxWidth(w float32) bool {
	if w == b.maxWidth {
		return false
	}
	b.maxWidth = w
	b.Refresh()
	return true
}

// CreateRenderer is part of fyne.Widget.
func (b *bubble) CreateRenderer() fyne.WidgetRenderer {
	r := &bubbleRenderer{b: b, bg: canvas.NewRectangle(color.Transparent), when: canvas.NewText("", color.Black)}
	r.bg.CornerRadius = bubbleRadius
	r.when.TextSize = theme.CaptionTextSize()
	r.Refresh()
	return r
}

type bubbleRenderer struct {
	b       *bubble
	bg      *canvas.Rectangle
	lines   []*canvas.Text
	when    *canvas.Text
	marks   []*canvas.Image
	objects []fyne.CanvasObject
}

func (r *bubbleRenderer) Destroy() {}

func (r *bubbleRenderer) Objects() []fyne.CanvasObject { return r.objects }

func (r *bubbleRenderer) lineHeight() float32 {
	return fyne.MeasureText("Mg", theme.TextSize(), fyne.TextStyle{}).Height
}

func (r *bubbleRenderer) metaSize() fyne.Size {
	s := r.when.MinSize()
	if n := len(r.marks); n > 0 {
		s.Width += 4 + markSize + float32(n-1)*6
		s.Height = max(s.Height, markSize)
	}
	return s
}

func (r *bubbleRenderer) MinSize() fyne.Size {
	w := r.metaSize().Width
	for _, l := range r.lines {
		w = max(w, l.MinSize().Width)
	}
	h := float32(len(r.lines))*r.lineHeight() + r.metaSize().Height + 2
	return fyne.NewSize(w+2*bubblePad, h+1.5*bubblePad)
}

func (r *bubbleRenderer) Layout(size fyne.Size) {
	r.bg.Resize(size)
	lh := r.lineHeight()
	for i, l := range r.lines {
		l.Move(fyne.NewPos(bubblePad, bubblePad*0.75+float32(i)*lh))
		l.Resize(fyne.NewSize(size.Width-2*bubblePad, lh))
	}
	meta := r.metaSize()
	x := size.Width - bubblePad - meta.Width
	y := size.Height - bubblePad*0.75 - meta.Height
	r.when.Move(fyne.NewPos(x, y))
	r.when.Resize(r.when.MinSize())
	x += r.when.MinSize().Width + 4
	for i, m := range r.marks {
		m.Move(fyne.NewPos(x+float32(i)*6, y+(meta.Height-markSize)/2))
		m.Resize(fyne.NewSize(markSize, markSize))
	}
}

// Refresh rebuilds the text lines for the current width, colours and mark.
func (r *bubbleRenderer) Refresh() {
	m := r.b.msg
	fg, bgName := theme.ColorNameForeground, theme.ColorNameInputBackground
	if m.Outgoing {
		fg, bgName = theme.ColorNameForegroundOnPrimary, theme.ColorNamePrimary
	}
	r.bg.FillColor = theme.Color(bgName)
	size := theme.TextSize()
	r.lines = r.lines[:0]
	for _, s := range wrapText(m.Text, r.b.maxWidth-2*bubblePad, size, fyne.TextStyle{}) {
		t := canvas.NewText(s, theme.Color(fg))
		t.TextSize = size
		r.lines = append(r.lines, t)
	}
	r.when.Text = m.SentAt.Local().Format("15:04")
	r.when.Color = theme.Color(fg)
	r.marks = r.marks[:0]
	if m.Outgoing {
		for _, res := range deliveryMark(m.Status) {
			r.marks = append(r.marks, canvas.NewImageFromResource(theme.NewColoredResource(res, fg)))
		}
	}
	r.objects = append([]fyne.CanvasObject{r.bg}, textObjects(r.lines)...)
	r.objects = append(r.objects, r.when)
	for _, mk := range r.marks {
		r.objects = append(r.objects, mk)
	}
	r.Layout(r.b.Size())
	canvas.Refresh(r.b)
}

func textObjects(ts []*canvas.Text) []fyne.CanvasObject {
	out := make([]fyne.CanvasObject, len(ts))
	for i, t := range ts {
		out[i] = t
	}
	return out
}

// deliveryMark is the icon sequence for a status: a clock while queued (◷),
// one check once in the mailbox (✓), two once delivered (✓✓).
func deliveryMark(st app.MessageStatus) []fyne.Resource {
	switch st {
	case app.StatusQueued:
		return []fyne.Resource{theme.HistoryIcon()}
	case app.StatusMailbox:
		return []fyne.Resource{theme.ConfirmIcon()}
	case app.StatusDelivered:
		return []fyne.Resource{theme.ConfirmIcon(), theme.ConfirmIcon()}
	}
	return nil
}

// daySeparator is the centred date pill between days of a conversation.
func daySeparator(day, now time.Time) fyne.CanvasObject {
	t := canvas.NewText(dayLabel(day, now), theme.Color(theme.ColorNamePlaceHolder))
	t.TextSize = theme.CaptionTextSize()
	t.TextStyle = fyne.TextStyle{Bold: true}
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameHover))
	bg.CornerRadius = 8
	return container.NewCenter(container.NewStack(bg, container.New(padLayout{8, 3}, t)))
}

// dayLabel names a day: Today, Yesterday, the weekday this week, else the date.
func dayLabel(day, now time.Time) string {
	day, now = day.Local(), now.Local()
	switch {
	case sameDay(day, now):
		return "Today"
	case sameDay(day, now.AddDate(0, 0, -1)):
		return "Yesterday"
	case now.Sub(day) < 6*24*time.Hour:
		return day.Format("Monday")
	case day.Year() == now.Year():
		return day.Format("Monday, 2 January")
	}
	return day.Format("2 January 2006")
}
