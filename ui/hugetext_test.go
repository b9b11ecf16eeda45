package ui

import (
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/parley-chat/parley/app"
)

// visibleTexts returns the texts drawn under o: visible canvas texts, in
// the order a painter meets them.
func visibleTexts(o fyne.CanvasObject) []*canvas.Text {
	if !o.Visible() {
		return nil
	}
	switch o := o.(type) {
	case *canvas.Text:
		return []*canvas.Text{o}
	case *fyne.Container:
		var out []*canvas.Text
		for _, c := range o.Objects {
			out = append(out, visibleTexts(c)...)
		}
		return out
	case fyne.Widget:
		var out []*canvas.Text
		for _, c := range test.WidgetRenderer(o).Objects() {
			out = append(out, visibleTexts(c)...)
		}
		return out
	}
	return nil
}

// noSpace drops white space: wrapping may break a line at any space and
// turns runs of spaces into one.
func noSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// TestHugeMessageShown (issue 6, item 13): a maximal text (64 KiB, as the
// core cuts it) shows its first collapsedLines lines and "Read more (64 KB)";
// a tap shows it whole (every character, in order, no line wider than the
// bubble), while only the lines near the screen are drawn. The contact
// list's preview stays short.
func TestHugeMessageShown(t *testing.T) {
	for i, shape := range hugeShapes {
		t.Run(shape.name, func(t *testing.T) {
			h := unlocked(t, bob)
			text := shape.text(i)
			if n := len(text); n < app.MaxTextBytes-utf8.UTFMax || n > app.MaxTextBytes {
				t.Fatalf("test text is %d bytes, want 64 KiB", n)
			}
			msg := app.Message{ID: "huge", Conv: bob.PeerID, From: bob.PeerID, Text: text, SentAt: testNow,
				Status: app.StatusReceived}
			h.core.history[bob.PeerID] = []app.Message{msg}
			conv := h.open(bob.PeerID)
			b := conv.bubbles["huge"]
			r := test.WidgetRenderer(b).(*bubbleRenderer)

			drawn := visibleTexts(b)
			if !b.cut || len(r.lines) != collapsedLines {
				t.Fatalf("collapsed: cut %v, %d lines, want %d", b.cut, len(r.lines), collapsedLines)
			}
			if got := drawn[len(drawn)-2].Text; got != "Read more (64 KB)" { // the time comes last
				t.Errorf("last line of a collapsed text = %q, want Read more (64 KB)", got)
			}
			if shown := noSpace(strings.Join(r.lines, " ")); !strings.HasPrefix(noSpace(text), shown) {
				t.Errorf("collapsed lines are not the beginning of the text: %.80q…", shown)
			}

			test.Tap(b)
			h.settle()
			if b.cut || !b.expanded {
				t.Fatalf("after a tap: cut %v, expanded %v", b.cut, b.expanded)
			}
			if got, want := noSpace(strings.Join(r.lines, " ")), noSpace(text); got != want {
				t.Errorf("expanded text lost or reordered characters: %d of %d bytes shown", len(got), len(want))
			}
			for n, l := range r.lines {
				if w := fyne.MeasureText(l, r.wrapSize, fyne.TextStyle{}).Width; n%10 == 0 && w > r.wrapWidth+1 {
					t.Errorf("line %d is %v wide, bubble text %v: %q", n, w, r.wrapWidth, l)
				}
			}
			if n := len(visibleTexts(b)); n > 100 || n < 5 {
				t.Errorf("%d of %d lines drawn, want only those near the screen", n, len(r.lines))
			}
			conv.scroll.Scrolled(&fyne.ScrollEvent{Scrolled: fyne.Delta{DY: -1e7}}) // to the end of the text
			drawn = visibleTexts(b)
			if last := drawn[len(drawn)-2].Text; last != r.lines[len(r.lines)-1] || !strings.HasSuffix(noSpace(text), noSpace(last)) {
				t.Errorf("scrolled to the end, the last line drawn is %q, want the end of the text", last)
			}

			h.core.emit(app.MessageArrived{Msg: app.Message{ID: "huge2", Conv: bob.PeerID, From: bob.PeerID,
				Text: text, SentAt: testNow, Status: app.StatusReceived}})
			h.eventually("second message", func() bool { return conv.bubbles["huge2"] != nil })
			if c, _ := h.g.sess.contacts.get(bob.PeerID); utf8.RuneCountInString(c.LastMessage) > app.MaxPreviewRunes {
				t.Errorf("contact preview holds %d runes, want at most %d", utf8.RuneCountInString(c.LastMessage), app.MaxPreviewRunes)
			}
		})
	}
}

// TestHostileNameInHeader (issue 6, item 13): names as the core shows them
// after cleaning a hostile name (RLO and zero-width characters dropped; a
// name equal to another contact's gets the fingerprint suffix) appear in
// the conversation header whole, as plain text, and never as another
// contact's name, even at the longest name and a narrow window. The core's
// side is app's TestSanitize and TestEqualDisplayNames and the root
// TestHostileTexts.
func TestHostileNameInHeader(t *testing.T) {
	long := strings.Repeat("Bob", app.MaxNameRunes/3)
	contacts := []app.Contact{
		{PeerID: "12D3KooWBob", Name: "Bob · 5e1f0a"},
		{PeerID: "12D3KooWMallory1", Name: app.SanitizeName("B\u200Bob\u202Egpj.exe")},
		{PeerID: "12D3KooWMallory2", Name: app.SanitizeName("Bob\u200D\u2066") + " · 91c4d2"}, // as the core shows an equal name
		{PeerID: "12D3KooWMallory3", Name: app.SanitizeName(long+"\u200B") + " · 0b7e33"},
		{PeerID: "12D3KooWLong", Name: long + " · 7a2c90"},
	}
	for i := range contacts {
		contacts[i].State = app.StateFriend
	}
	h := unlocked(t, contacts...)
	h.w.Resize(fyne.NewSize(520, 480))
	seen := map[string]app.PeerID{}
	for _, c := range contacts {
		conv := h.open(c.PeerID)
		var got []string
		for _, txt := range visibleTexts(conv.name) {
			got = append(got, txt.Text)
		}
		header := strings.Join(got, "")
		if header != c.Name {
			t.Errorf("header of %s = %q, want %q whole", c.PeerID, header, c.Name)
		}
		if strings.ContainsFunc(header, func(r rune) bool { return unicode.Is(unicode.Cf, r) }) {
			t.Errorf("header of %s holds format characters: %q", c.PeerID, header)
		}
		if other, ok := seen[header]; ok {
			t.Errorf("%s's header reads %q, like %s's", c.PeerID, header, other)
		}
		seen[header] = c.PeerID
		if w := fyne.MeasureText(header, theme.TextSize(), conv.name.TextStyle).Width; conv.name.Size().Width < w {
			t.Errorf("header of %s is %v wide for text %v wide: cut", c.PeerID, conv.name.Size().Width, w)
		}
	}
}

func TestWrapMaxLines(t *testing.T) {
	test.NewTempApp(t)
	width := fyne.MeasureText("wide", 14, fyne.TextStyle{}).Width
	for _, tc := range []struct {
		text string
		max  int
		want string
		cut  bool
	}{
		{"a\nb\nc", 3, "a|b|c", false},
		{"a\nb\nc\nd", 3, "a|b|c", true},
		{"wide  wide", 2, "wide|wide", false},
		{"wide wide wide", 2, "wide|wide", true},
		{strings.Repeat("x", 40), 2, "", true}, // two pieces of one word, and more of it left
		{"", 1, "", false},
	} {
		lines, _, cut := newMeasurer(14, fyne.TextStyle{}).wrap(tc.text, width, tc.max)
		got := strings.Join(lines, "|")
		if tc.want == "" && tc.text != "" {
			tc.want = got // only the count and cut matter
		}
		if got != tc.want || cut != tc.cut || len(lines) > tc.max {
			t.Errorf("wrap(%q, max %d) = %q cut %v, want %q cut %v", tc.text, tc.max, got, cut, tc.want, tc.cut)
		}
	}
}

// TestLongEqualNamesInList: two long names the core tells apart only by
// their fingerprint suffix stay apart in a narrow contact list: the name
// is cut, the suffix never.
func TestLongEqualNamesInList(t *testing.T) {
	test.NewTempApp(t)
	long := strings.Repeat("Bob", app.MaxNameRunes/3)
	now := time.Now()
	seen := map[string]string{}
	for _, name := range []string{long + " · 7a2c90", long + " · 0b7e33", "Bob"} {
		r := newContactRow()
		r.Resize(fyne.NewSize(260, 64))
		r.set(app.Contact{PeerID: "p", Name: name, State: app.StateFriend}, now)
		r.Refresh()
		var parts []string
		for _, txt := range visibleTexts(r.content) {
			parts = append(parts, txt.Text)
		}
		shown := strings.Join(parts, "|")
		_, fp := splitFingerprint(name)
		if fp != "" && !strings.Contains(shown, fp) {
			t.Errorf("row of %q shows %q: the fingerprint %q is cut", name, shown, fp)
		}
		if other, ok := seen[shown]; ok {
			t.Errorf("rows of %q and %q both read %q", name, other, shown)
		}
		seen[shown] = name
	}
	if n, fp := splitFingerprint("Ann · not-hex"); n != "Ann · not-hex" || fp != "" {
		t.Errorf("splitFingerprint(a name with a dot) = %q, %q", n, fp)
	}
}
