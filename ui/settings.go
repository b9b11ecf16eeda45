package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// autoLockChoices are the idle times the settings offer, in minutes (0 = never).
var autoLockChoices = []int{0, 1, 5, 10, 15, 30, 60}

// settingsDialog: home nodes, username, passphrase, auto-lock. UI goroutine only.
type settingsDialog struct {
	m                *mainWindow
	nodes            *widget.Entry
	username         *widget.Entry
	oldPass, newPass *widget.Entry
	again            *widget.Entry
	passHint, saved  *widget.Label
	autoLock         *widget.Select
	saveNodes, claim *widget.Button
	changePass       *widget.Button
	dlg              *dialog.CustomDialog
}

func (m *mainWindow) showSettings() {
	d := &settingsDialog{m: m, saved: widget.NewLabel("")}
	d.saved.Wrapping = fyne.TextWrapWord
	tabs := container.NewAppTabs(
		container.NewTabItemWithIcon("Node", theme.ComputerIcon(), d.nodeTab()),
		container.NewTabItemWithIcon("Username", theme.AccountIcon(), d.usernameTab()),
		container.NewTabItemWithIcon("Passphrase", theme.VisibilityOffIcon(), d.passTab()),
		container.NewTabItemWithIcon("Privacy", theme.SettingsIcon(), d.privacyTab()),
	)
	d.dlg = dialog.NewCustom("Settings", "Close", container.NewBorder(nil, d.saved, nil, nil, tabs), m.s.g.win)
	d.dlg.SetOnClosed(func() { m.settingsDlg = nil })
	m.settingsDlg = d
	m.showDialog(d.dlg, fyne.NewSize(600, 480))
}

func wrapped(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

func (d *settingsDialog) nodeTab() fyne.CanvasObject {
	s := d.m.s
	d.nodes = widget.NewMultiLineEntry()
	d.nodes.SetMinRowsVisible(3)
	d.nodes.SetPlaceHolder("/ip4/203.0.113.7/tcp/4001/p2p/12D3Koo…  (one per line)")
	if !s.status.Embedded {
		d.nodes.SetText(strings.Join(s.status.Nodes, "\n"))
	}
	d.saveNodes = widget.NewButtonWithIcon("Save nodes", theme.DocumentSaveIcon(), func() {
		nodes := splitNodes(d.nodes.Text)
		s.call(func(ctx context.Context) error { return s.core.SetNodes(ctx, nodes) }, func() {
			d.saved.SetText("Home nodes saved. Friends learn the new address with your next message.")
		})
	})
	d.saveNodes.Importance = widget.HighImportance
	return container.NewVScroll(container.NewVBox(
		wrapped("Leave the list empty to use the node built into parley: zero set-up, and people on your "+
			"network find you at once, but it holds offline messages for you only while this app runs. "+
			"A dedicated node (parley node on an always-on machine) keeps them while you are away. "+
			"Switching keeps all contacts and history."),
		d.nodes, container.NewHBox(d.saveNodes)))
}

func (d *settingsDialog) usernameTab() fyne.CanvasObject {
	s := d.m.s
	d.username = widget.NewEntry()
	d.username.SetPlaceHolder("@yourname")
	d.claim = widget.NewButtonWithIcon("Claim username", theme.ConfirmIcon(), func() {
		name := strings.TrimPrefix(strings.TrimSpace(d.username.Text), "@")
		if name == "" {
			return
		}
		s.call(func(ctx context.Context) error { return s.core.Claim(ctx, name) }, func() {
			d.saved.SetText("You are now @" + name + " on your home node: friends can add you by that name.")
		})
	})
	d.claim.Importance = widget.HighImportance
	return container.NewVBox(
		wrapped("A username on your home node lets friends add you by @name instead of an invite. "+
			"First come, first served."),
		d.username, container.NewHBox(d.claim))
}

func (d *settingsDialog) passTab() fyne.CanvasObject {
	s := d.m.s
	d.oldPass, d.newPass, d.again = widget.NewPasswordEntry(), widget.NewPasswordEntry(), widget.NewPasswordEntry()
	d.passHint = widget.NewLabel("")
	d.passHint.SizeName = theme.SizeNameCaptionText
	d.changePass = widget.NewButtonWithIcon("Change passphrase", theme.ConfirmIcon(), func() {
		old, nw := []byte(d.oldPass.Text), []byte(d.newPass.Text)
		s.call(func(ctx context.Context) error {
			defer clear(old)
			defer clear(nw)
			return s.core.ChangePassphrase(ctx, old, nw)
		}, func() {
			for _, e := range []*widget.Entry{d.oldPass, d.newPass, d.again} {
				e.SetText("")
			}
			d.saved.SetText("Passphrase changed.")
		})
	})
	d.changePass.Importance = widget.HighImportance
	validate := func(string) {
		str := estimateStrength(d.newPass.Text)
		hint := str.hint()
		if d.again.Text != "" && d.again.Text != d.newPass.Text {
			hint += " The two passphrases differ."
		}
		d.passHint.SetText(hint)
		if d.oldPass.Text != "" && str > strengthTooShort && d.again.Text == d.newPass.Text {
			d.changePass.Enable()
		} else {
			d.changePass.Disable()
		}
	}
	for _, e := range []*widget.Entry{d.oldPass, d.newPass, d.again} {
		e.OnChanged = validate
	}
	validate("")
	return container.NewVBox(widget.NewForm(
		widget.NewFormItem("Current", d.oldPass),
		widget.NewFormItem("New", d.newPass),
		widget.NewFormItem("Repeat", d.again),
		widget.NewFormItem("", d.passHint),
	), container.NewHBox(d.changePass))
}

func (d *settingsDialog) privacyTab() fyne.CanvasObject {
	g := d.m.s.g
	labels := make([]string, len(autoLockChoices))
	current := ""
	for i, n := range autoLockChoices {
		labels[i] = lockLabel(n)
		if n == g.autoLockMinutes() {
			current = labels[i]
		}
	}
	d.autoLock = widget.NewSelect(labels, func(sel string) {
		for i, l := range labels {
			if l == sel {
				g.app.Preferences().SetInt(prefAutoLock, autoLockChoices[i])
			}
		}
	})
	d.autoLock.SetSelected(current)
	return container.NewVBox(
		widget.NewForm(widget.NewFormItem("Lock after", d.autoLock)),
		wrapped("Locking closes your encrypted profile and clears the window; your passphrase opens it again."),
		wrapped("Notifications show only who wrote, never what they wrote."),
		wrapped("Light or dark: parley follows your system's appearance setting."),
	)
}

func lockLabel(min int) string {
	switch min {
	case 0:
		return "Never"
	case 1:
		return "1 minute idle"
	}
	return fmt.Sprintf("%d minutes idle", min)
}
