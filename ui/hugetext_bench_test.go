package ui

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/parley-chat/parley/app"
)

// Issue 6, item 13: a maximal text (app.MaxTextBytes) must not make the GUI
// unresponsive. The benchmark times what a user waits for, on the same
// screen with 100-byte messages as the baseline, measured in the same
// iterations so that machine load affects both alike.

// hugeShapes are the kinds of maximal text a friend can send. The texts
// are random, so that no two lines are alike: repeated lines would hit
// Fyne's measuring cache and flatter the figures.
var hugeShapes = []struct {
	name string
	text func(seed int) string
}{
	{"words", func(seed int) string { // prose: words of 1 to 9 letters
		return fillText(seed, func(r *rand.Rand) string { return randWord(r, 1+r.IntN(9)) + " " })
	}},
	{"oneline", func(seed int) string { // one word: a pasted key or URL
		return fillText(seed, func(r *rand.Rand) string { return randWord(r, 1) })
	}},
	{"lines", func(seed int) string { // short lines of mixed scripts with hostile characters, cleaned by the core
		return fillText(seed, func(r *rand.Rand) string {
			return randWord(r, r.IntN(30)) + " ﬁne wörds 日本語 \u202Egnp.exe\u202C a\u200Bb 👋🏽 " + randWord(r, r.IntN(8)) + "\n"
		})
	}},
}

// fillText appends pieces well past app.MaxTextBytes, then cleans and cuts
// the text as the core does before the UI sees it.
func fillText(seed int, piece func(r *rand.Rand) string) string {
	r := rand.New(rand.NewPCG(uint64(seed), 13))
	var b strings.Builder
	for b.Len() <= app.MaxTextBytes*5/4 { // cleaning drops the hostile characters
		b.WriteString(piece(r))
	}
	return app.SanitizeText(b.String())
}

func randWord(r *rand.Rand, n int) string {
	w := make([]byte, n)
	for i := range w {
		w[i] = byte('a' + r.IntN(26))
	}
	return string(w)
}

// shortText is a 100-byte message, the baseline.
func shortText(seed int) string {
	s := fmt.Sprintf("%d ", seed) + strings.Repeat("see you at six ", 7)
	return s[:100]
}

// hugeHistory is two pages of messages from peer over the last days,
// alternating incoming and outgoing.
func hugeHistory(peer app.PeerID, text func(seed int) string) []app.Message {
	var msgs []app.Message
	for i := range 2 * pageSize {
		msgs = append(msgs, app.Message{ID: app.MsgID(fmt.Sprintf("%s-%03d", peer, i)), Conv: peer,
			From: peer, Outgoing: i%2 == 1, Text: text(i), Status: app.StatusDelivered,
			SentAt: testNow.Add(time.Duration(i-2*pageSize) * time.Hour)})
	}
	return msgs
}

// benchGUI is the GUI on Fyne's test driver over the fake core, for
// benchmarks (the test harness takes a *testing.T).
type benchGUI struct {
	b    *testing.B
	g    *GUI
	w    fyne.Window
	q    *uiQueue
	core *fakeCore
}

func newBenchGUI(b *testing.B, contacts ...app.Contact) *benchGUI {
	a := test.NewTempApp(b)
	w := test.NewTempWindow(b, widget.NewLabel(""))
	w.Resize(fyne.NewSize(960, 640))
	core := newFakeCore()
	core.contacts = contacts
	op := &fakeOpener{exists: true, pass: "correct horse battery", core: core}
	h := &benchGUI{b: b, w: w, q: &uiQueue{}, core: core}
	h.g = New(b.Context(), a, w, op)
	h.g.bg.do = h.q.do
	h.g.now = func() time.Time { return testNow }
	b.Cleanup(func() {
		h.g.Close()
		h.settle()
	})
	h.g.Start()
	test.Type(h.g.unlock.pass, op.pass)
	test.Tap(h.g.unlock.unlock)
	deadline := time.Now().Add(5 * time.Second)
	for h.settle(); h.g.sess == nil || h.g.sess.me.Name != "Alice"; h.settle() {
		if time.Now().After(deadline) {
			b.Fatal("not unlocked")
		}
		time.Sleep(time.Millisecond) // the snapshot comes through the drain goroutine
	}
	return h
}

// settle runs what background calls handed to the UI goroutine until
// nothing is left.
func (h *benchGUI) settle() {
	for range 1000 {
		h.g.bg.wait()
		if !h.q.run() {
			return
		}
	}
	h.b.Fatal("GUI did not settle")
}

// open selects p in the contact list and waits for the first page.
func (h *benchGUI) open(p app.PeerID) *conversation {
	s := h.g.sess
	s.contacts.list.Select(s.contacts.index(p))
	h.settle()
	if s.conv == nil || s.conv.peer != p || len(s.conv.msgs) != pageSize {
		h.b.Fatalf("conversation with %s not open", p)
	}
	return s.conv
}

// userWaits times, for the conversation with p: showing it (the newest
// page laid out and painted), one more message arriving, a tap on it ("Read
// more" on a long text), and scrolling to the top for the older page.
func (h *benchGUI) userWaits(p app.PeerID, text string) (times [4]time.Duration) {
	paint := func() { h.w.Canvas().(test.WindowlessCanvas).Capture() }
	t0 := time.Now()
	conv := h.open(p)
	paint()
	t1 := time.Now()
	id := app.MsgID(fmt.Sprint("new-", t0.UnixNano()))
	h.g.sess.apply(app.MessageArrived{Msg: app.Message{ID: id, Conv: p, From: p, Text: text, SentAt: testNow,
		Status: app.StatusReceived}})
	h.settle()
	paint()
	t2 := time.Now()
	test.Tap(conv.bubbles[id])
	h.settle()
	paint()
	t3 := time.Now()
	conv.scroll.Scrolled(&fyne.ScrollEvent{Scrolled: fyne.Delta{DY: 1e7}}) // wheel up to the top
	h.settle()
	paint()
	t4 := time.Now()
	if len(conv.msgs) != 2*pageSize+1 {
		h.b.Fatalf("after scrolling up: %d messages, want %d", len(conv.msgs), 2*pageSize+1)
	}
	return [4]time.Duration{t1.Sub(t0), t2.Sub(t1), t3.Sub(t2), t4.Sub(t3)}
}

// BenchmarkConversationHugeMessages opens a conversation whose history
// holds maximal messages of one shape, receives one more, taps it to read
// it whole and pages to the older messages; each iteration does the same
// with 100-byte messages, the baseline (where the tap does nothing). It
// reports the medians in ms and the ratios against the baseline. Painting
// is Fyne's software painter.
func BenchmarkConversationHugeMessages(b *testing.B) {
	for _, shape := range hugeShapes {
		b.Run(shape.name, func(b *testing.B) {
			huge := app.Contact{PeerID: "12D3KooWHuge", Name: "Huge", State: app.StateFriend}
			small := app.Contact{PeerID: "12D3KooWSmall", Name: "Small", State: app.StateFriend}
			h := newBenchGUI(b, huge, small)
			h.core.history[huge.PeerID] = hugeHistory(huge.PeerID, shape.text)
			h.core.history[small.PeerID] = hugeHistory(small.PeerID, shortText)
			arriving, short := shape.text(-1), shortText(-1)
			var ours, base [4][]time.Duration
			for b.Loop() {
				for i, d := range h.userWaits(huge.PeerID, arriving) {
					ours[i] = append(ours[i], d)
				}
				for i, d := range h.userWaits(small.PeerID, short) {
					base[i] = append(base[i], d)
				}
			}
			for i, what := range [...]string{"show", "arrive", "expand", "older"} {
				mo, mb := median(ours[i]), median(base[i])
				b.ReportMetric(ms(mo), what+"-ms")
				b.ReportMetric(ms(mb), "base-"+what+"-ms")
				b.ReportMetric(float64(mo)/float64(mb), what+"-ratio")
			}
		})
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
