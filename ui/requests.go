package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/parley-chat/parley/app"
)

// requestsDialog lists friend requests with accept and decline. UI goroutine only.
type requestsDialog struct {
	m    *mainWindow
	list *fyne.Container
	rows map[app.PeerID]*requestRow
	dlg  *dialog.CustomDialog
}

// requestRow is one request; its buttons are kept for tests.
type requestRow struct {
	accept, decline *widget.Button
	content         fyne.CanvasObject
}

func (m *mainWindow) showRequests() {
	d := &requestsDialog{m: m, list: container.NewVBox()}
	d.dlg = dialog.NewCustom("Friend requests", "Close", container.NewVScroll(d.list), m.s.g.win)
	d.dlg.SetOnClosed(func() { m.reqDlg = nil })
	m.reqDlg = d
	d.refresh()
	m.showDialog(d.dlg, fyne.NewSize(520, 420))
}

// refresh rebuilds the list from the session's requests.
func (d *requestsDialog) refresh() {
	s := d.m.s
	d.rows = map[app.PeerID]*requestRow{}
	objs := []fyne.CanvasObject{}
	for _, r := range s.requests {
		row := d.newRow(r)
		d.rows[r.PeerID] = row
		objs = append(objs, row.content, widget.NewSeparator())
	}
	if len(objs) == 0 {
		none := widget.NewLabel("No friend requests right now. Share your invite so friends can add you.")
		none.Wrapping = fyne.TextWrapWord
		objs = append(objs, none)
	}
	d.list.Objects = objs
	d.list.Refresh()
}

func (d *requestsDialog) newRow(r app.Request) *requestRow {
	s := d.m.s
	name := widget.NewLabel(r.Name)
	name.TextStyle = fyne.TextStyle{Bold: true}
	when := widget.NewLabel(shortWhen(r.ReceivedAt, s.g.now()))
	when.SizeName = theme.SizeNameCaptionText
	greeting := widget.NewLabel(r.Greeting) // plain text, never markup
	greeting.Wrapping = fyne.TextWrapWord
	row := &requestRow{}
	peer := r.PeerID
	row.accept = widget.NewButtonWithIcon("Accept", theme.ConfirmIcon(), func() {
		row.accept.Disable()
		s.call(func(ctx context.Context) error { return s.core.Accept(ctx, peer) }, func() { s.removeRequest(peer) })
	})
	row.accept.Importance = widget.HighImportance
	row.decline = widget.NewButtonWithIcon("Decline", theme.CancelIcon(), func() {
		row.decline.Disable()
		s.call(func(ctx context.Context) error { return s.core.Decline(ctx, peer) }, func() { s.removeRequest(peer) })
	})
	row.content = container.NewVBox(container.NewHBox(name, layout.NewSpacer(), when), greeting,
		container.NewHBox(layout.NewSpacer(), row.decline, row.accept))
	return row
}
