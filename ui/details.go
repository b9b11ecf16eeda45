package ui

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/parley-chat/parley/app"
)

// detailsDialog shows a contact's safety number as digits and QR code, lets
// the user mark it verified and, after a key change, trust the new key once
// they compared it, or remove the contact instead. UI goroutine only.
type detailsDialog struct {
	m        *mainWindow
	peer     app.PeerID
	digits   *widget.Label
	qr       *fyne.Container
	state    *widget.Label
	verify   *widget.Button
	warning  *fyne.Container
	compared *widget.Check
	trust    *widget.Button
	remove   *widget.Button // the other way out of a key change
	body     *fyne.Container
	dlg      *dialog.CustomDialog
}

func (m *mainWindow) showDetails(peer app.PeerID) {
	c, ok := m.contacts.get(peer)
	if !ok {
		return
	}
	d := &detailsDialog{m: m, peer: peer, digits: widget.NewLabel("Computing…"), qr: container.NewStack(),
		state: widget.NewLabel("")}
	d.digits.TextStyle = fyne.TextStyle{Monospace: true}
	d.digits.Alignment = fyne.TextAlignCenter
	d.state.Wrapping = fyne.TextWrapWord
	d.state.Alignment = fyne.TextAlignCenter
	d.verify = widget.NewButtonWithIcon("Mark as verified", theme.ConfirmIcon(), d.markVerified)
	d.verify.Importance = widget.SuccessImportance
	d.trust = widget.NewButtonWithIcon("Trust new key", theme.WarningIcon(), d.trustNewKey)
	d.trust.Importance = widget.DangerImportance
	d.remove = m.removeButton("Remove contact…", peer)
	d.compared = widget.NewCheck("I compared the new safety number with "+c.Name, func(bool) { d.refresh() })
	d.warning = d.keyWarning(c.Name)
	help := widget.NewLabel("Compare these digits with " + c.Name + "'s screen, in person or on a call, " +
		"or scan each other's code. If they match, nobody is in the middle.")
	help.Wrapping = fyne.TextWrapWord
	d.body = container.NewVBox(d.warning, help, container.NewCenter(d.qr), d.digits, d.state,
		container.NewCenter(d.verify))
	d.dlg = dialog.NewCustom(c.Name, "Close", container.NewVScroll(d.body), m.s.g.win)
	d.dlg.SetOnClosed(func() { m.detailsDlg = nil })
	m.detailsDlg = d
	d.refresh()
	d.load()
	m.showDialog(d.dlg, fyne.NewSize(520, 600))
}

// keyWarning is the red block shown while the contact's key changed.
func (d *detailsDialog) keyWarning(name string) *fyne.Container {
	title := widget.NewLabel("Safety number changed")
	title.TextStyle = fyne.TextStyle{Bold: true}
	title.Importance = widget.DangerImportance
	text := widget.NewLabel(name + " now uses a different key. This is expected if they reinstalled parley " +
		"or got a new device, and dangerous if someone is intercepting. Compare the new number below " +
		"before you trust it; until then nothing is sent. If you do not trust it, remove the contact: " +
		"the conversation is deleted and nothing is ever sent to the new key.")
	text.Wrapping = fyne.TextWrapWord
	bg := canvas.NewRectangle(withAlpha(theme.Color(theme.ColorNameError), 0x30))
	bg.StrokeColor = theme.Color(theme.ColorNameError)
	bg.StrokeWidth = 1
	bg.CornerRadius = 6
	return container.NewStack(bg, container.NewPadded(container.NewVBox(title, text, d.compared,
		container.NewCenter(container.NewHBox(d.trust, d.remove)))))
}

// load computes the safety number off the UI goroutine.
func (d *detailsDialog) load() {
	s := d.m.s
	var sn app.SafetyNumber
	s.g.bg.start(func() error {
		var err error
		sn, err = s.core.SafetyNumber(d.peer)
		return err
	}, func(err error) {
		if s.ended || d.m.detailsDlg != d {
			return
		}
		if err != nil {
			d.digits.SetText(problemOf(err).Title)
			return
		}
		d.digits.SetText(formatDigits(sn.Digits))
		d.qr.Objects = []fyne.CanvasObject{qrImage(string(sn.QR), 180)}
		d.body.Refresh()
	})
}

// refresh shows the contact's current verification and key state.
func (d *detailsDialog) refresh() {
	c, _ := d.m.contacts.get(d.peer)
	changed := c.State == app.StateKeyChanged
	switch {
	case changed:
		d.state.SetText("Not verified: the key changed.")
	case c.Verified:
		d.state.SetText("✔ Verified: you compared this safety number.")
	default:
		d.state.SetText("Not verified yet.")
	}
	d.warning.Hidden = !changed
	d.verify.Hidden = changed || c.Verified
	if d.body != nil {
		d.body.Refresh()
	}
	if changed && d.compared.Checked {
		d.trust.Enable()
	} else {
		d.trust.Disable()
	}
}

func (d *detailsDialog) markVerified() {
	s, peer := d.m.s, d.peer
	s.call(func(ctx context.Context) error { return s.core.Verify(ctx, peer) }, func() {
		s.contacts.update(peer, func(c *app.Contact) { c.Verified = true })
		s.refreshConvContact(peer)
		d.refresh()
	})
}

func (d *detailsDialog) trustNewKey() {
	s, peer := d.m.s, d.peer
	d.trust.Disable()
	s.call(func(ctx context.Context) error { return s.core.TrustNewKey(ctx, peer) }, func() {
		s.contacts.update(peer, func(c *app.Contact) { c.State, c.Verified = app.StateFriend, true })
		s.refreshConvContact(peer)
		d.compared.SetChecked(false)
		d.refresh()
		d.load()
	})
}

// formatDigits puts the 12 groups of 5 digits on three lines of four.
func formatDigits(digits string) string {
	groups := strings.Fields(digits)
	var lines []string
	for i := 0; i < len(groups); i += 4 {
		lines = append(lines, strings.Join(groups[i:min(i+4, len(groups))], "  "))
	}
	return strings.Join(lines, "\n")
}
