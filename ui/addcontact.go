package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/parley-chat/parley/app"
)

// addContactDialog sends a friend request to a pasted invite or an
// @username, with a greeting. UI goroutine only.
type addContactDialog struct {
	m        *mainWindow
	who      *widget.Entry
	greeting *widget.Entry
	send     *widget.Button
	problem  *problemBar
	dlg      *dialog.CustomDialog
}

func (m *mainWindow) showAddContact() {
	d := &addContactDialog{m: m, who: widget.NewMultiLineEntry(), greeting: widget.NewEntry(), problem: newProblemBar()}
	d.who.Wrapping = fyne.TextWrapBreak
	d.who.SetMinRowsVisible(3)
	d.who.SetPlaceHolder("Paste their invite (parley:…) or type @username")
	d.greeting.SetPlaceHolder("Hi, it's me!")
	d.greeting.SetText("Hi! It's " + m.s.me.Name + ".")
	d.send = widget.NewButtonWithIcon("Send friend request", theme.MailSendIcon(), d.submit)
	d.send.Importance = widget.HighImportance
	cancel := widget.NewButton("Cancel", func() { d.dlg.Hide() })
	help := widget.NewLabel("They see your name and greeting, and choose to accept. " +
		"Nobody can message you before you accept them, either.")
	help.Wrapping = fyne.TextWrapWord
	help.SizeName = theme.SizeNameCaptionText
	form := widget.NewForm(widget.NewFormItem("Invite or @username", d.who), widget.NewFormItem("Greeting", d.greeting))
	body := container.NewVBox(form, help, d.problem.box,
		container.NewHBox(layout.NewSpacer(), cancel, d.send))
	d.dlg = dialog.NewCustomWithoutButtons("Add a contact", body, m.s.g.win)
	d.dlg.SetOnClosed(func() { m.addDlg = nil })
	m.addDlg = d
	m.showDialog(d.dlg, fyne.NewSize(520, 340))
	m.s.g.win.Canvas().Focus(d.who)
}

// submit sends the request off the UI goroutine; errors stay in the dialog.
func (d *addContactDialog) submit() {
	who, greeting := strings.TrimSpace(d.who.Text), strings.TrimSpace(d.greeting.Text)
	if who == "" {
		return
	}
	s := d.m.s
	d.send.Disable()
	d.problem.hide()
	var peer app.PeerID
	var contacts []app.Contact
	s.g.bg.start(func() error {
		var err error
		if peer, err = s.core.AddContact(s.ctx, who, greeting); err != nil {
			return err
		}
		contacts = s.core.Contacts()
		return nil
	}, func(err error) {
		if s.ended {
			return
		}
		d.send.Enable()
		if err != nil {
			d.problem.show(problemOf(err))
			return
		}
		d.dlg.Hide()
		s.contacts.set(contacts)
		s.refreshChrome()
		if i := s.contacts.index(peer); i >= 0 {
			s.contacts.list.Select(i)
		}
	})
}
