package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// inviteDialog shows our invite as text with a copy button and as a QR code.
type inviteDialog struct {
	copyBtn *widget.Button
	text    *widget.Label
	dlg     *dialog.CustomDialog
}

func (m *mainWindow) showInvite() {
	s := m.s
	invite := s.me.Invite
	d := &inviteDialog{text: widget.NewLabel(invite)}
	d.text.Wrapping = fyne.TextWrapBreak
	d.text.Selectable = true
	d.text.TextStyle = fyne.TextStyle{Monospace: true}
	d.text.SizeName = theme.SizeNameCaptionText
	d.copyBtn = widget.NewButtonWithIcon("Copy invite", theme.ContentCopyIcon(), func() {
		s.g.app.Clipboard().SetContent(invite)
		d.copyBtn.SetText("Copied")
		d.copyBtn.SetIcon(theme.ConfirmIcon())
	})
	d.copyBtn.Importance = widget.HighImportance
	help := widget.NewLabel("Send this to a friend any way you like (it holds only public keys), " +
		"or let them scan the code. They paste it under Add contact.")
	help.Wrapping = fyne.TextWrapWord
	body := container.NewBorder(help, container.NewCenter(d.copyBtn), nil, nil,
		container.NewHBox(container.NewCenter(qrImage(invite, 220)), container.New(widthLayout{300}, container.NewVScroll(d.text))))
	d.dlg = dialog.NewCustom("My invite", "Close", body, s.g.win)
	d.dlg.SetOnClosed(func() { m.inviteDlg = nil })
	m.inviteDlg = d
	m.showDialog(d.dlg, fyne.NewSize(620, 380))
}
