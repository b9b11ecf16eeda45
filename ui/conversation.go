package ui

import (
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/parley-chat/parley/app"
)

// pageSize is how many messages one History call loads.
const pageSize = 50

// conversation is the right side of the main screen: header, key-change or
// pending banner, the messages and the composer. UI goroutine only.
type conversation struct {
	s       *session
	peer    app.PeerID
	contact app.Contact

	msgs     []app.Message // oldest first
	bubbles  map[app.MsgID]*bubble
	pending  map[app.MsgID]app.MessageStatus // statuses that came before Send returned
	more     bool                            // older messages may exist
	loading  bool
	loadedAt int // number of History calls done, for tests

	name, presence *widget.Label
	verified       *widget.Icon
	head           *fyne.Container // name, presence, banner
	banner         *fyne.Container
	bannerText     *widget.Label
	column         *fyne.Container
	layout         *chatLayout
	scroll         *container.Scroll
	composer       *composer
	sendBtn        *widget.Button
	removeBtn      *widget.Button // in the header
	trustBtn       *widget.Button // in the key-change banner: compare, then trust
	refuseBtn      *widget.Button // in the key-change banner: remove instead
	content        *fyne.Container
}

func newConversation(s *session, c app.Contact) *conversation {
	v := &conversation{s: s, peer: c.PeerID, bubbles: map[app.MsgID]*bubble{}, pending: map[app.MsgID]app.MessageStatus{}}
	v.name = widget.NewLabel("")
	v.name.TextStyle = fyne.TextStyle{Bold: true}
	v.presence = widget.NewLabel("")
	v.presence.SizeName = theme.SizeNameCaptionText
	v.verified = widget.NewIcon(theme.NewSuccessThemedResource(theme.ConfirmIcon()))
	v.head = v.header()
	v.layout = &chatLayout{}
	v.column = container.New(v.layout)
	v.scroll = container.NewVScroll(v.column)
	v.layout.onGrow = v.scroll.Refresh
	v.layout.laidOut = v.cull
	v.scroll.OnScrolled = v.scrolled
	v.composer = newComposer(v.sendText, s.touch)
	v.sendBtn = widget.NewButtonWithIcon("", theme.MailSendIcon(), v.composer.send)
	v.sendBtn.Importance = widget.HighImportance
	v.setContact(c)
	v.content = container.NewBorder(v.head, v.footer(), nil, nil, v.scroll)
	return v
}

func (v *conversation) header() *fyne.Container {
	details := widget.NewButtonWithIcon("Safety number", theme.InfoIcon(), func() { v.s.showDetails(v.peer) })
	details.Importance = widget.LowImportance
	v.removeBtn = v.s.removeButton("Remove contact…", v.peer)
	v.removeBtn.Importance = widget.LowImportance
	title := container.New(tightVBox{}, container.NewHBox(v.name, v.verified), v.presence)
	v.bannerText = widget.NewLabel("")
	v.bannerText.Truncation = fyne.TextTruncateEllipsis
	v.bannerText.TextStyle = fyne.TextStyle{Bold: true}
	v.banner = v.keyBanner()
	return container.NewVBox(container.NewBorder(nil, nil, nil, container.NewCenter(container.NewHBox(details, v.removeBtn)), title),
		v.banner, widget.NewSeparator())
}

// keyBanner is the red warning shown while a contact's key changed, with
// the user's two ways out: compare and trust the new key, or remove the
// contact.
func (v *conversation) keyBanner() *fyne.Container {
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameError))
	bg.FillColor = withAlpha(theme.Color(theme.ColorNameError), 0x30)
	bg.StrokeColor = theme.Color(theme.ColorNameError)
	bg.StrokeWidth = 1
	bg.CornerRadius = 6
	// Trusting needs the comparison first: the button opens the details.
	v.trustBtn = widget.NewButtonWithIcon("Trust new key…", theme.WarningIcon(), func() { v.s.showDetails(v.peer) })
	v.trustBtn.Importance = widget.DangerImportance
	v.refuseBtn = v.s.removeButton("Remove contact…", v.peer)
	icon := widget.NewIcon(theme.NewErrorThemedResource(theme.WarningIcon()))
	body := container.NewVBox(container.NewBorder(nil, nil, container.NewCenter(icon), nil, v.bannerText),
		container.NewHBox(layout.NewSpacer(), v.trustBtn, v.refuseBtn))
	b := container.NewPadded(container.NewStack(bg, container.NewPadded(body)))
	b.Hide()
	return b
}

func (v *conversation) footer() fyne.CanvasObject {
	return container.NewPadded(container.NewBorder(nil, nil, nil, container.NewVBox(v.sendBtn), v.composer))
}

// setContact updates the header, the banner and whether sending is possible.
func (v *conversation) setContact(c app.Contact) {
	v.contact = c
	v.name.SetText(c.Name)
	v.verified.Hidden = !c.Verified
	v.verified.Refresh()
	switch {
	case c.State == app.StateRequested:
		v.presence.SetText("Friend request sent: you can write once they accept")
	case c.Online:
		v.presence.SetText("online")
	default:
		v.presence.SetText("offline: messages wait in their mailbox")
	}
	if c.State == app.StateKeyChanged {
		// One line: the full explanation is in the details dialog.
		v.bannerText.SetText(c.Name + "'s safety number changed. Sending is paused until you decide.")
		v.banner.Show()
	} else {
		v.banner.Hide()
	}
	if v.content != nil {
		v.content.Refresh() // lay out again: the banner changes the header's height
	}
	if c.State == app.StateFriend {
		v.composer.Enable()
		v.sendBtn.Enable()
	} else {
		v.composer.Disable()
		v.sendBtn.Disable()
	}
}

// load fetches the newest page of the conversation.
func (v *conversation) load() { v.fetch("") }

// fetch loads the page of messages older than before ("" = newest).
func (v *conversation) fetch(before app.MsgID) {
	v.loading = true
	var page []app.Message
	v.s.g.bg.start(func() error {
		var err error
		page, err = v.s.core.History(v.s.ctx, v.peer, before, pageSize)
		return err
	}, func(err error) {
		v.loading = false
		v.loadedAt++
		if v.s.ended || v.s.conv != v {
			return
		}
		if err != nil {
			showProblem(v.s.g.win, problemOf(err))
			return
		}
		if before != "" || len(v.msgs) == 0 {
			v.more = len(page) == pageSize
		}
		v.prepend(page, before == "")
	})
}

// scrolled loads the previous page when the user reaches the top.
func (v *conversation) scrolled(p fyne.Position) {
	v.s.touch()
	v.cull()
	if p.Y < 40 && v.more && !v.loading && len(v.msgs) > 0 {
		v.fetch(v.msgs[0].ID)
	}
}

// prepend puts an older page (newest first, as History returns it) before
// the loaded messages, keeping the view where the user was.
func (v *conversation) prepend(page []app.Message, first bool) {
	older := make([]app.Message, 0, len(page))
	for _, m := range slices.Backward(page) {
		if b, dup := v.bubbles[m.ID]; dup {
			b.setStatus(m.Status)
		} else {
			older = append(older, m)
		}
	}
	oldH := v.column.MinSize().Height
	if first && len(v.msgs) > 0 { // a reload after a resync: merge by time
		v.msgs = append(v.msgs, older...)
		slices.SortStableFunc(v.msgs, func(a, b app.Message) int { return a.SentAt.Compare(b.SentAt) })
		v.rebuild()
		return
	}
	v.msgs = append(older, v.msgs...)
	v.rebuild()
	if first {
		v.scroll.ScrollToBottom()
		return
	}
	v.scroll.Offset.Y += v.column.MinSize().Height - oldH
	v.scroll.Refresh()
}

// add appends a message (arrived or just sent) and follows it if the user
// was at the bottom.
func (v *conversation) add(m app.Message) {
	if _, dup := v.bubbles[m.ID]; dup {
		return
	}
	if st, ok := v.pending[m.ID]; ok {
		m.Status = st
		delete(v.pending, m.ID)
	}
	atBottom := v.scroll.Offset.Y+v.scroll.Size().Height >= v.column.MinSize().Height-40
	v.msgs = append(v.msgs, m)
	v.rebuild()
	if atBottom || m.Outgoing {
		v.scroll.ScrollToBottom()
	}
}

// setStatus moves a sent message's delivery mark.
func (v *conversation) setStatus(id app.MsgID, st app.MessageStatus) {
	b, ok := v.bubbles[id]
	if !ok {
		v.pending[id] = st
		return
	}
	b.setStatus(st)
	v.column.Refresh()
}

// rebuild lays the messages out again with day separators between days.
func (v *conversation) rebuild() {
	now := v.s.g.now()
	objs := make([]fyne.CanvasObject, 0, len(v.msgs)+8)
	for i, m := range v.msgs {
		if i == 0 || !sameDay(m.SentAt.Local(), v.msgs[i-1].SentAt.Local()) {
			objs = append(objs, daySeparator(m.SentAt, now))
		}
		b, ok := v.bubbles[m.ID]
		if !ok {
			b = newBubble(m)
			b.maxWidth = max(160, (v.layout.width-2*chatPad)*bubbleShare)
			b.grown = v.relayout
			v.bubbles[m.ID] = b
		}
		objs = append(objs, b)
	}
	v.column.Objects = objs
	v.column.Refresh()
	v.scroll.Refresh()
}

// cull hides what lies more than half a window height away from the
// visible part of the conversation, and the far lines of long bubbles: a
// painter draws every visible object, even one scrolled away, and a
// conversation of long texts is thousands of lines. Every scroll and layout
// culls again; the margin covers the view growing with the window in
// between.
func (v *conversation) cull() {
	margin := v.s.g.win.Canvas().Size().Height / 2
	top := v.scroll.Offset.Y - margin
	bottom := v.scroll.Offset.Y + v.scroll.Size().Height + margin
	for _, o := range v.column.Objects {
		y := o.Position().Y
		if b, ok := o.(*bubble); ok {
			b.setView(top-y, bottom-y)
		}
		if y+o.Size().Height < top || y > bottom {
			o.Hide()
		} else {
			o.Show()
		}
	}
}

// relayout lays the messages out again after a bubble grew.
func (v *conversation) relayout() {
	v.column.Refresh()
	v.scroll.Refresh()
}

// sendText sends the composer's text; the bubble appears once the core
// accepted it into the outbox.
func (v *conversation) sendText(text string) {
	text = strings.TrimSpace(text)
	if text == "" {
		return
	}
	v.composer.SetText("")
	s, peer := v.s, v.peer
	var id app.MsgID
	s.touch()
	s.g.bg.start(func() error {
		var err error
		id, err = s.core.Send(s.ctx, peer, text)
		return err
	}, func(err error) {
		if s.ended {
			return
		}
		if err != nil {
			if s.conv == v && v.composer.Text == "" {
				v.composer.SetText(text) // give the text back to retry
			}
			showProblem(s.g.win, problemOf(err))
			return
		}
		now := s.g.now()
		s.contacts.update(peer, func(c *app.Contact) { c.LastMessage, c.LastAt = previewOf(text), now })
		if s.conv == v {
			v.add(app.Message{ID: id, Conv: peer, From: s.me.PeerID, Outgoing: true, Text: text, SentAt: now, Status: app.StatusQueued})
		}
	})
}
