package ui

import (
	"fmt"
	"image/color"
	"math"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
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
	textTop      = bubblePad * 0.75 // where the first line starts
)

// collapsedLines is how many lines of a long text a bubble shows until the
// user taps "Read more": a maximal text (64 KiB) is a thousand lines, and
// wrapping a page of them took seconds.
const collapsedLines = 24

// bubble is one message: plain text (never markup) wrapped to the column,
// the time and, for our own messages, the delivery mark. Own messages are
// right-aligned in the primary colour. A text longer than collapsedLines
// shows its beginning and "Read more"; a tap shows it whole. UI goroutine only.
type bubble struct {
	widget.BaseWidget
	msg      app.Message
	maxWidth float32 // set by chatLayout from the column width
	// from and to (exclusive) number the lines near the screen, set by the
	// conversation: only those are drawn, since a painter draws every
	// visible object, even one scrolled away.
	from, to int
	expanded bool   // the user asked for the whole text
	cut      bool   // only the beginning is shown (set by the renderer)
	grown    func() // called when a tap made the bubble taller; may be nil
}

func newBubble(m app.Message) *bubble {
	b := &bubble{msg: m, maxWidth: 420, to: math.MaxInt}
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

// setView sets the part of the bubble near the screen, from top to bottom
// in the bubble's coordinates.
func (b *bubble) setView(top, bottom float32) {
	lh := lineHeight()
	from := max(0, int(math.Floor(float64((top-textTop)/lh))))
	to := max(0, int(math.Ceil(float64((bottom-textTop)/lh))))
	if from == b.from && to == b.to {
		return
	}
	b.from, b.to = from, to
	b.Refresh()
}

// Tapped shows the whole of a long text.
func (b *bubble) Tapped(*fyne.PointEvent) {
	if !b.cut {
		return
	}
	b.expanded = true
	b.Refresh()
	if b.grown != nil {
		b.grown()
	}
}

// Cursor is part of desktop.Cursorable: a long text is a link to itself.
func (b *bubble) Cursor() desktop.Cursor {
	if b.cut {
		return desktop.PointerCursor
	}
	return desktop.DefaultCursor
}

func lineHeight() float32 {
	return fyne.MeasureText("Mg", theme.TextSize(), fyne.TextStyle{}).Height
}

// readMore is the last line of a cut text.
func readMore(text string) string {
	return fmt.Sprintf("Read more (%d KB)", (len(text)+1023)/1024)
}

// CreateRenderer is part of fyne.Widget.
func (b *bubble) CreateRenderer() fyne.WidgetRenderer {
	r := &bubbleRenderer{b: b, bg: canvas.NewRectangle(color.Transparent), when: canvas.NewText("", color.Black),
		more: canvas.NewText(readMore(b.msg.Text), color.Black), shown: map[int]*canvas.Text{}}
	r.bg.CornerRadius = bubbleRadius
	r.when.TextSize = theme.CaptionTextSize()
	r.more.TextStyle = fyne.TextStyle{Bold: true}
	r.Refresh()
	return r
}

type bubbleRenderer struct {
	b     *bubble
	bg    *canvas.Rectangle
	when  *canvas.Text
	more  *canvas.Text // "Read more" under a cut text
	marks []*canvas.Image
	// markStatus and markColor are what marks show.
	markStatus app.MessageStatus
	markColor  color.Color
	// lines is the text wrapped for wrapWidth at wrapSize (all of it, or
	// the beginning if wrapAll is false); textWidth is the widest line's.
	lines                          []string
	wrapWidth, wrapSize, textWidth float32
	wrapAll                        bool
	shown                          map[int]*canvas.Text // the lines in view, by number
	objects                        []fyne.CanvasObject
}

func (r *bubbleRenderer) Destroy() {}

func (r *bubbleRenderer) Objects() []fyne.CanvasObject { return r.objects }

func (r *bubbleRenderer) metaSize() fyne.Size {
	s := r.when.MinSize()
	if n := len(r.marks); n > 0 {
		s.Width += 4 + markSize + float32(n-1)*6
		s.Height = max(s.Height, markSize)
	}
	return s
}

// textLines is how many lines the text takes, "Read more" included.
func (r *bubbleRenderer) textLines() int {
	if r.b.cut {
		return len(r.lines) + 1
	}
	return len(r.lines)
}

func (r *bubbleRenderer) MinSize() fyne.Size {
	meta := r.metaSize()
	w := max(meta.Width, r.textWidth)
	h := float32(r.textLines())*lineHeight() + meta.Height + 2
	return fyne.NewSize(w+2*bubblePad, h+1.5*bubblePad)
}

func (r *bubbleRenderer) Layout(size fyne.Size) {
	lh := lineHeight()
	r.layoutBackground(size, lh)
	for i, l := range r.shown {
		l.Move(fyne.NewPos(bubblePad, textTop+float32(i)*lh))
		l.Resize(fyne.NewSize(size.Width-2*bubblePad, lh))
	}
	r.more.Move(fyne.NewPos(bubblePad, textTop+float32(len(r.lines))*lh))
	r.more.Resize(fyne.NewSize(size.Width-2*bubblePad, lh))
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

// layoutBackground spans the background over the lines in view only: its
// cut ends are off screen, and a painter may fill all of a tall shape.
func (r *bubbleRenderer) layoutBackground(size fyne.Size, lh float32) {
	top, bottom := float32(0), size.Height
	if from := min(r.b.from, len(r.lines)); from > 0 {
		top = textTop + float32(from)*lh
	}
	if to := r.b.to; to < len(r.lines) {
		bottom = max(top, textTop+float32(to)*lh)
	}
	r.bg.Move(fyne.NewPos(0, top))
	r.bg.Resize(fyne.NewSize(size.Width, bottom-top))
}

// Refresh updates the lines in view, the colours and the mark; the text is
// wrapped again only when the width, the text size or expanded changed.
func (r *bubbleRenderer) Refresh() {
	m := r.b.msg
	fg, bgName, moreName := theme.ColorNameForeground, theme.ColorNameInputBackground, theme.ColorNamePrimary
	if m.Outgoing {
		fg, bgName, moreName = theme.ColorNameForegroundOnPrimary, theme.ColorNamePrimary, theme.ColorNameForegroundOnPrimary
	}
	r.bg.FillColor = theme.Color(bgName)
	r.wrap()
	lines := r.showLines(theme.Color(fg))
	r.objects = append(append(make([]fyne.CanvasObject, 0, len(lines)+5), r.bg), lines...)
	if n := len(r.lines); r.b.cut && r.b.from <= n && n < r.b.to {
		r.more.Color = theme.Color(moreName)
		r.more.TextSize = r.wrapSize
		r.objects = append(r.objects, r.more)
	}
	r.when.Text = m.SentAt.Local().Format("15:04")
	r.when.Color = theme.Color(fg)
	r.objects = append(r.objects, r.when)
	r.objects = append(r.objects, r.markFor(m, fg)...)
	r.Layout(r.b.Size())
	canvas.Refresh(r.b)
}

// markFor returns the delivery mark of m, made again only when the status
// or the colour changed: a coloured icon is an SVG drawn anew.
func (r *bubbleRenderer) markFor(m app.Message, fg fyne.ThemeColorName) []fyne.CanvasObject {
	c := theme.Color(fg)
	if !m.Outgoing || (m.Status == r.markStatus && c == r.markColor && r.marks != nil) {
		return marksObjects(r.marks)
	}
	r.markStatus, r.markColor = m.Status, c
	r.marks = r.marks[:0]
	for _, res := range deliveryMark(m.Status) {
		r.marks = append(r.marks, canvas.NewImageFromResource(theme.NewColoredResource(res, fg)))
	}
	return marksObjects(r.marks)
}

func marksObjects(marks []*canvas.Image) []fyne.CanvasObject {
	out := make([]fyne.CanvasObject, len(marks))
	for i, m := range marks {
		out[i] = m
	}
	return out
}

// wrap breaks the text into lines for the bubble's width, unless it is
// already broken for this width, text size and expanded.
func (r *bubbleRenderer) wrap() {
	width, size, all := r.b.maxWidth-2*bubblePad, theme.TextSize(), r.b.expanded
	if r.lines != nil && width == r.wrapWidth && size == r.wrapSize && all == r.wrapAll {
		return
	}
	r.wrapWidth, r.wrapSize, r.wrapAll = width, size, all
	style, most := fyne.TextStyle{}, collapsedLines
	if all {
		most = 0
	}
	lines, widths, cut := newMeasurer(size, style).wrap(r.b.msg.Text, width, most)
	widest := 0
	for i, w := range widths {
		if w > widths[widest] {
			widest = i
		}
	}
	r.lines, r.b.cut = lines, cut
	// The widths are sums of advances: measure the widest line whole.
	r.textWidth = min(width, fyne.MeasureText(lines[widest], size, style).Width)
	if cut {
		r.textWidth = max(r.textWidth, min(width, fyne.MeasureText(r.more.Text, size, r.more.TextStyle).Width))
	}
	clear(r.shown)
}

// showLines returns a text for each line in view, keeping those already
// made, and drops the others.
func (r *bubbleRenderer) showLines(fg color.Color) []fyne.CanvasObject {
	from, to := min(r.b.from, len(r.lines)), min(r.b.to, len(r.lines))
	for i := range r.shown {
		if i < from || i >= to {
			delete(r.shown, i)
		}
	}
	out := make([]fyne.CanvasObject, 0, to-from)
	for i := from; i < to; i++ {
		t, ok := r.shown[i]
		if !ok {
			t = canvas.NewText(r.lines[i], fg)
			t.TextSize = r.wrapSize
			r.shown[i] = t
		}
		t.Color = fg
		out = append(out, t)
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
