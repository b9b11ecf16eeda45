package ui

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/parley-chat/parley/app"
)

// mainWindow is the main screen: a top bar, contacts on the left, the open
// conversation on the right and the status line at the bottom. UI goroutine only.
type mainWindow struct {
	s        *session
	content  fyne.CanvasObject
	contacts *contactList
	conv     *conversation // the open conversation; nil if none
	right    *fyne.Container
	top      *fyne.Container   // top bar and problem bar
	empty    fyne.CanvasObject // shown instead of the list when there are no contacts
	meName   *widget.Label
	reqBadge *badge
	status   *statusLine
	problem  *problemBar
	dialogs  []dialog.Dialog // open dialogs, hidden on lock

	// The open dialogs, kept for refreshes (and for tests).
	addDlg      *addContactDialog
	reqDlg      *requestsDialog
	detailsDlg  *detailsDialog
	settingsDlg *settingsDialog
	inviteDlg   *inviteDialog
	removeDlg   *removeDialog
}

func newMainWindow(s *session) *mainWindow {
	m := &mainWindow{s: s, status: newStatusLine(), problem: newClosableProblemBar(), reqBadge: newBadge()}
	m.contacts = newContactList(s.g.now, m.openConversation)
	m.meName = widget.NewLabel("")
	m.right = container.NewStack(placeholder())
	addBtn := widget.NewButtonWithIcon("Add a contact", theme.ContentAddIcon(), m.showAddContact)
	addBtn.Importance = widget.HighImportance
	emptyText := widget.NewLabel("No contacts yet. Add a friend with their invite or @username; " +
		"people on your network can also paste your invite.")
	emptyText.Wrapping = fyne.TextWrapWord
	emptyText.Alignment = fyne.TextAlignCenter
	m.empty = container.NewVBox(layout.NewSpacer(), emptyText, container.NewCenter(addBtn), layout.NewSpacer())
	left := container.NewBorder(m.listHeader(), nil, nil, nil, container.NewStack(m.contacts.list, m.empty))
	split := container.NewHSplit(left, m.right)
	split.Offset = 0.32
	m.top = container.NewVBox(m.topBar(), widget.NewSeparator(), m.problemRow())
	m.content = container.NewBorder(
		m.top,
		container.NewVBox(widget.NewSeparator(), m.status.content),
		nil, nil, split)
	return m
}

func (m *mainWindow) topBar() fyne.CanvasObject {
	name := canvas.NewText("parley", theme.Color(theme.ColorNameForeground))
	name.TextStyle = fyne.TextStyle{Bold: true}
	name.TextSize = theme.TextSubHeadingSize()
	req := widget.NewButtonWithIcon("Requests", theme.AccountIcon(), m.showRequests)
	req.Importance = widget.LowImportance
	reqWithBadge := container.NewStack(req, container.NewHBox(layout.NewSpacer(),
		container.NewVBox(m.reqBadge.box, layout.NewSpacer())))
	buttons := []fyne.CanvasObject{
		lowButton("Add contact", theme.ContentAddIcon(), m.showAddContact),
		reqWithBadge,
		lowButton("My invite", theme.GridIcon(), m.showInvite),
		lowButton("Settings", theme.SettingsIcon(), m.showSettings),
		lowButton("Lock", theme.LogoutIcon(), m.s.g.Lock),
	}
	left := container.NewHBox(logo(28), name, m.meName)
	return container.NewBorder(nil, nil, left, container.NewHBox(buttons...))
}

func (m *mainWindow) listHeader() fyne.CanvasObject {
	title := widget.NewLabel("Chats")
	title.TextStyle = fyne.TextStyle{Bold: true}
	return title
}

func (m *mainWindow) problemRow() fyne.CanvasObject {
	return m.problem.box
}

func lowButton(label string, icon fyne.Resource, tapped func()) *widget.Button {
	b := widget.NewButtonWithIcon(label, icon, tapped)
	b.Importance = widget.LowImportance
	return b
}

// placeholder fills the right side while no conversation is open.
func placeholder() fyne.CanvasObject {
	t := widget.NewLabel("Select a chat on the left, or add a contact to start one.")
	t.Alignment = fyne.TextAlignCenter
	t.Wrapping = fyne.TextWrapWord
	lock := widget.NewLabel("Messages are end-to-end encrypted and signed; only you and your friend can read them.")
	lock.Alignment = fyne.TextAlignCenter
	lock.Wrapping = fyne.TextWrapWord
	lock.SizeName = theme.SizeNameCaptionText
	return container.NewVBox(layout.NewSpacer(), container.NewCenter(logo(72)), t, lock, layout.NewSpacer())
}

// refreshChrome updates everything outside the conversation from the model.
func (m *mainWindow) refreshChrome() {
	s := m.s
	m.meName.SetText(s.me.Name)
	m.reqBadge.set(len(s.requests))
	m.status.set(s.status)
	if m.contacts.len() == 0 {
		m.empty.Show()
	} else {
		m.empty.Hide()
	}
	if m.reqDlg != nil {
		m.reqDlg.refresh()
	}
	m.top.Refresh() // the badge and name change size
}

// showProblem shows a background problem in the bar under the top bar.
func (m *mainWindow) showProblem(p app.Problem) {
	m.problem.show(p)
	m.top.Refresh()
}

// openConversation shows the conversation with peer on the right.
func (m *mainWindow) openConversation(peer app.PeerID) {
	s := m.s
	s.touch()
	c, ok := m.contacts.get(peer)
	if !ok || (m.conv != nil && m.conv.peer == peer) {
		return
	}
	m.conv = newConversation(s, c)
	m.right.Objects = []fyne.CanvasObject{m.conv.content}
	m.right.Refresh()
	m.conv.load()
	s.g.win.Canvas().Focus(m.conv.composer)
	if c.Unread > 0 {
		m.contacts.update(peer, func(c *app.Contact) { c.Unread = 0 })
		s.call(func(ctx context.Context) error { return s.core.MarkRead(ctx, peer) }, nil)
	}
}

// showDialog shows d and remembers it, so that locking hides it.
func (m *mainWindow) showDialog(d dialog.Dialog, size fyne.Size) {
	m.s.touch()
	m.dialogs = append(m.dialogs, d)
	d.Resize(size)
	d.Show()
}

// closeDialogs hides every dialog the session opened.
func (m *mainWindow) closeDialogs() {
	for _, d := range m.dialogs {
		d.Hide()
	}
	m.dialogs = nil
}

// statusLine shows whether the home node is reachable and the outbox size.
type statusLine struct {
	dot     *canvas.Circle
	node    *widget.Label
	outbox  *widget.Label
	content fyne.CanvasObject
}

func newStatusLine() *statusLine {
	l := &statusLine{dot: canvas.NewCircle(theme.Color(theme.ColorNameDisabled)),
		node: widget.NewLabel("Connecting…"), outbox: widget.NewLabel("")}
	l.node.SizeName = theme.SizeNameCaptionText
	l.outbox.SizeName = theme.SizeNameCaptionText
	l.content = container.NewHBox(dotBox(l.dot, 10), l.node, layout.NewSpacer(), l.outbox)
	return l
}

func (l *statusLine) set(st app.Status) {
	kind := "home node"
	if st.Embedded {
		kind = "built-in node"
	}
	if st.NodeReachable {
		l.dot.FillColor = theme.Color(theme.ColorNameSuccess)
		l.node.SetText(fmt.Sprintf("Online · %s reachable", kind))
	} else {
		l.dot.FillColor = theme.Color(theme.ColorNameWarning)
		l.node.SetText(fmt.Sprintf("Offline · %s not reachable; messages wait in the outbox", kind))
	}
	l.dot.Refresh()
	switch st.Outbox {
	case 0:
		l.outbox.SetText("All messages sent")
	case 1:
		l.outbox.SetText("1 message waiting in the outbox")
	default:
		l.outbox.SetText(fmt.Sprintf("%d messages waiting in the outbox", st.Outbox))
	}
	l.content.Refresh()
}
