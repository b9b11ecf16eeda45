package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// composer is the multi-line message entry: Enter sends, Shift+Enter breaks
// the line. (Fyne's own multi-line Entry does the opposite.) UI goroutine only.
type composer struct {
	widget.Entry
	shift  bool // a Shift key is held, as seen by KeyDown/KeyUp
	onSend func(text string)
	onType func()
}

func newComposer(onSend func(string), onType func()) *composer {
	c := &composer{onSend: onSend, onType: onType}
	c.MultiLine = true
	c.Wrapping = fyne.TextWrapWord
	c.SetPlaceHolder("Write a message… (Enter sends, Shift+Enter adds a line)")
	c.ExtendBaseWidget(c)
	c.SetMinRowsVisible(2)
	c.OnChanged = func(string) { c.onType() }
	return c
}

// KeyDown tracks Shift, then lets the Entry handle the key.
func (c *composer) KeyDown(e *fyne.KeyEvent) {
	if e.Name == desktop.KeyShiftLeft || e.Name == desktop.KeyShiftRight {
		c.shift = true
	}
	c.Entry.KeyDown(e)
}

// KeyUp tracks Shift, then lets the Entry handle the key.
func (c *composer) KeyUp(e *fyne.KeyEvent) {
	if e.Name == desktop.KeyShiftLeft || e.Name == desktop.KeyShiftRight {
		c.shift = false
	}
	c.Entry.KeyUp(e)
}

// TypedKey sends on Enter and inserts a line break on Shift+Enter.
func (c *composer) TypedKey(e *fyne.KeyEvent) {
	if e.Name != fyne.KeyReturn && e.Name != fyne.KeyEnter {
		c.Entry.TypedKey(e)
		return
	}
	if c.shiftHeld() {
		c.Entry.TypedKey(e) // OnSubmitted is nil, so the Entry breaks the line
		return
	}
	c.send()
}

func (c *composer) shiftHeld() bool {
	if c.shift {
		return true
	}
	d, ok := fyne.CurrentApp().Driver().(desktop.Driver)
	return ok && d.CurrentKeyModifiers()&fyne.KeyModifierShift != 0
}

// send hands the text to onSend unless the entry is disabled.
func (c *composer) send() {
	if c.Disabled() {
		return
	}
	c.onSend(c.Text)
}
