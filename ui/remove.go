package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/parley-chat/parley/app"
)

// removeDialog asks before a contact is removed, saying that the whole
// conversation is deleted with it. After a key change it is the way to
// refuse the new key. UI goroutine only.
type removeDialog struct {
	m       *mainWindow
	peer    app.PeerID
	text    *widget.Label
	confirm *widget.Button
	cancel  *widget.Button
	dlg     *dialog.CustomDialog
}

// showRemove asks whether to remove the contact peer.
func (m *mainWindow) showRemove(peer app.PeerID) {
	c, ok := m.contacts.get(peer)
	if !ok {
		return
	}
	d := &removeDialog{m: m, peer: peer, text: widget.NewLabel(removeText(c))}
	d.text.Wrapping = fyne.TextWrapWord
	d.cancel = widget.NewButton("Cancel", func() { d.dlg.Hide() })
	d.confirm = widget.NewButtonWithIcon("Remove and delete history", theme.DeleteIcon(), d.remove)
	d.confirm.Importance = widget.DangerImportance
	d.dlg = dialog.NewCustomWithoutButtons("Remove "+c.Name+"?", d.text, m.s.g.win)
	d.dlg.SetButtons([]fyne.CanvasObject{d.cancel, d.confirm})
	d.dlg.SetOnClosed(func() {
		if m.removeDlg == d {
			m.removeDlg = nil
		}
	})
	m.removeDlg = d
	m.showDialog(d.dlg, fyne.NewSize(460, 260))
}

// removeText says what removing c deletes, and what it means after a key
// change.
func removeText(c app.Contact) string {
	t := c.Name + " will be removed from your contacts, and your whole conversation with them " +
		"will be deleted from this device, with any message not yet delivered. This cannot be undone."
	if c.State == app.StateKeyChanged {
		t = "Removing " + c.Name + " refuses their new key: nothing is ever sent to it. " + t
	}
	return t + " To talk again later, you will need a new friend request."
}

// remove removes the contact once the user confirmed.
func (d *removeDialog) remove() {
	s, peer := d.m.s, d.peer
	d.dlg.Hide()
	s.call(func(ctx context.Context) error { return s.core.RemoveContact(ctx, peer) }, func() {
		s.contactRemoved(peer)
	})
}

// contactRemoved drops a removed contact from the window: the list, its
// open conversation and its dialogs.
func (s *session) contactRemoved(peer app.PeerID) {
	s.contacts.remove(peer)
	if d := s.detailsDlg; d != nil && d.peer == peer {
		d.dlg.Hide()
	}
	if d := s.removeDlg; d != nil && d.peer == peer {
		d.dlg.Hide()
	}
	if s.conv != nil && s.conv.peer == peer {
		s.conv = nil
		s.right.Objects = []fyne.CanvasObject{placeholder()}
		s.right.Refresh()
	}
	s.refreshChrome()
}

// removeButton opens the confirmation to remove peer.
func (m *mainWindow) removeButton(label string, peer app.PeerID) *widget.Button {
	return widget.NewButtonWithIcon(label, theme.DeleteIcon(), func() { m.showRemove(peer) })
}
