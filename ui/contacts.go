package ui

import (
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/parley-chat/parley/app"
)

// contactList is the list of contacts on the left: newest activity first,
// with presence dot, unread count and last message preview. UI goroutine only.
type contactList struct {
	items    []app.Contact
	selected app.PeerID
	now      func() time.Time
	list     *widget.List
}

func newContactList(now func() time.Time, onSelect func(app.PeerID)) *contactList {
	l := &contactList{now: now}
	l.list = widget.NewList(
		func() int { return len(l.items) },
		func() fyne.CanvasObject { return newContactRow() },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*contactRow).set(l.items[i], l.now()) },
	)
	l.list.OnSelected = func(i widget.ListItemID) {
		if i < 0 || i >= len(l.items) {
			return
		}
		l.selected = l.items[i].PeerID
		onSelect(l.selected)
	}
	return l
}

func (l *contactList) len() int { return len(l.items) }

// set replaces all contacts (from a snapshot).
func (l *contactList) set(cs []app.Contact) {
	l.items = l.items[:0]
	for _, c := range cs {
		if c.State != app.StateIncoming {
			l.items = append(l.items, c)
		}
	}
	l.resort()
}

// get returns the contact with peer ID p.
func (l *contactList) get(p app.PeerID) (app.Contact, bool) {
	i := l.index(p)
	if i < 0 {
		return app.Contact{}, false
	}
	return l.items[i], true
}

// upsert adds or replaces a contact.
func (l *contactList) upsert(c app.Contact) {
	if i := l.index(c.PeerID); i >= 0 {
		l.items[i] = c
	} else {
		l.items = append(l.items, c)
	}
	l.resort()
}

// remove drops the contact p (the user removed it) and its selection.
func (l *contactList) remove(p app.PeerID) {
	i := l.index(p)
	if i < 0 {
		return
	}
	l.items = slices.Delete(l.items, i, i+1)
	if l.selected == p {
		l.selected = ""
		l.list.UnselectAll()
	}
	l.resort()
}

// update changes the contact p in place, if it exists.
func (l *contactList) update(p app.PeerID, f func(*app.Contact)) {
	i := l.index(p)
	if i < 0 {
		return
	}
	f(&l.items[i])
	l.resort()
}

func (l *contactList) index(p app.PeerID) int {
	return slices.IndexFunc(l.items, func(c app.Contact) bool { return c.PeerID == p })
}

// resort orders by newest activity, then by name, keeps the selection and redraws.
func (l *contactList) resort() {
	slices.SortStableFunc(l.items, func(a, b app.Contact) int {
		if c := b.LastAt.Compare(a.LastAt); c != 0 {
			return c
		}
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	l.list.Refresh()
	if i := l.index(l.selected); i >= 0 {
		l.list.Select(i) // same peer: OnSelected opens nothing new
	}
}

// contactRow is one list item. The zero value is not usable.
type contactRow struct {
	widget.BaseWidget
	dot           *canvas.Circle
	name, preview *widget.Label
	// fp shows a name's fingerprint suffix (" · 3f9a1c", which the core
	// adds to equal names) apart from the name, so that cutting a long name
	// to the row's width never cuts what tells two contacts apart.
	fp      *widget.Label
	when    *widget.Label
	unread  *badge
	content fyne.CanvasObject
}

func newContactRow() *contactRow {
	r := &contactRow{dot: canvas.NewCircle(theme.Color(theme.ColorNameDisabled)),
		name: widget.NewLabel(""), preview: widget.NewLabel(""), fp: widget.NewLabel(""), when: widget.NewLabel(""), unread: newBadge()}
	r.name.TextStyle = fyne.TextStyle{Bold: true}
	r.fp.TextStyle = fyne.TextStyle{Bold: true}
	r.name.Truncation = fyne.TextTruncateEllipsis
	r.preview.Truncation = fyne.TextTruncateEllipsis
	r.preview.SizeName = theme.SizeNameCaptionText
	r.when.SizeName = theme.SizeNameCaptionText
	right := container.NewVBox(r.when, container.NewHBox(layout.NewSpacer(), r.unread.box))
	text := container.New(tightVBox{}, container.NewBorder(nil, nil, nil, r.fp, r.name), r.preview)
	r.content = container.NewBorder(nil, nil, dotBox(r.dot, 10), right, text)
	r.ExtendBaseWidget(r)
	return r
}

// CreateRenderer is part of fyne.Widget.
func (r *contactRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.content) }

func (r *contactRow) set(c app.Contact, now time.Time) {
	name, fp := splitFingerprint(c.Name)
	r.name.SetText(name)
	r.fp.SetText(fp)
	r.fp.Hidden = fp == ""
	switch {
	case c.State == app.StateKeyChanged:
		r.preview.SetText("⚠ Safety number changed")
		r.preview.Importance = widget.DangerImportance
	case c.State == app.StateRequested:
		r.preview.SetText("Waiting for them to accept")
		r.preview.Importance = widget.LowImportance
	default:
		r.preview.SetText(firstLine(c.LastMessage))
		r.preview.Importance = widget.MediumImportance
	}
	r.preview.Refresh()
	r.when.SetText(shortWhen(c.LastAt, now))
	r.unread.set(c.Unread)
	r.dot.FillColor = theme.Color(theme.ColorNameDisabled)
	if c.Online {
		r.dot.FillColor = theme.Color(theme.ColorNameSuccess)
	}
	r.content.Refresh() // lay out again: the texts and badge changed size
}

// splitFingerprint splits a name the core shows with a fingerprint suffix
// ("bob · 3f9a1c": six hex digits after " · ") into the name and the
// suffix (with its separator); other names come back whole, suffix "".
func splitFingerprint(name string) (string, string) {
	const sep = " · "
	i := strings.LastIndex(name, sep)
	if i < 0 || len(name)-i-len(sep) != 6 {
		return name, ""
	}
	for _, r := range name[i+len(sep):] {
		if !strings.ContainsRune("0123456789abcdef", r) {
			return name, ""
		}
	}
	return name[:i], name[i:]
}

// firstLine is the preview of a message: its first line only.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}

// previewOf bounds a message for the contact list as the core bounds the
// previews it gives (app.MaxPreviewRunes): the row shows one line, and a
// label truncating a maximal text to its width measures it again and again
// (a second and a half for 64 KiB).
func previewOf(text string) string {
	n := 0
	for i := range text {
		if n == app.MaxPreviewRunes {
			return text[:i]
		}
		n++
	}
	return text
}

// shortWhen formats a time for the contact list: the clock today, the
// weekday this week, the date otherwise.
func shortWhen(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	t, now = t.Local(), now.Local()
	switch {
	case sameDay(t, now):
		return t.Format("15:04")
	case now.Sub(t) < 6*24*time.Hour:
		return t.Format("Mon")
	case t.Year() == now.Year():
		return t.Format("2 Jan")
	}
	return t.Format("2 Jan 2006")
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}
