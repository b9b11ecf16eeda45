package ui

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"github.com/parley-chat/parley/app"
)

// demoConversation fills Bob's history with a short conversation over two days.
func demoConversation(h *harness) {
	y := testNow.Add(-24 * time.Hour)
	h.core.history[bob.PeerID] = []app.Message{
		{ID: "d1", Conv: bob.PeerID, From: bob.PeerID, Text: "Hey Alice! Did you get the photos from Saturday?", SentAt: y.Add(-3 * time.Hour), Status: app.StatusReceived},
		{ID: "d2", Conv: bob.PeerID, Outgoing: true, Text: "Yes, they are lovely. The one at the lake is my new wallpaper.", SentAt: y.Add(-170 * time.Minute), Status: app.StatusDelivered},
		{ID: "d3", Conv: bob.PeerID, From: bob.PeerID, Text: "Ha, knew it", SentAt: y.Add(-160 * time.Minute), Status: app.StatusReceived},
		{ID: "d4", Conv: bob.PeerID, From: bob.PeerID, Text: "Dinner tomorrow? I found a place that does proper ramen.", SentAt: testNow.Add(-65 * time.Minute), Status: app.StatusReceived},
		{ID: "d5", Conv: bob.PeerID, Outgoing: true, Text: "Absolutely.\nWhat time?", SentAt: testNow.Add(-62 * time.Minute), Status: app.StatusDelivered},
		{ID: "d6", Conv: bob.PeerID, From: bob.PeerID, Text: "See you at 6", SentAt: testNow.Add(-60 * time.Minute), Status: app.StatusReceived},
		{ID: "d7", Conv: bob.PeerID, Outgoing: true, Text: "Perfect, see you there!", SentAt: testNow.Add(-2 * time.Minute), Status: app.StatusMailbox},
	}
}

// TestScreenshots writes PNGs of the main screens to $UI_SHOTS, for looking
// at the design without a display. Skipped unless UI_SHOTS is set.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("UI_SHOTS")
	if dir == "" {
		t.Skip("set UI_SHOTS=dir to write screenshots")
	}
	save := func(h *harness, name string) {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := png.Encode(f, h.w.Canvas().Capture()); err != nil {
			t.Fatal(err)
		}
	}
	h := newHarness(t, false)
	save(h, "firstrun.png")
	h2 := newHarness(t, true)
	save(h2, "unlock.png")
	dana := app.Contact{PeerID: "12D3KooWDana", Name: "Dana", State: app.StateRequested, LastAt: testNow.Add(-72 * time.Hour)}
	h3 := unlocked(t, bob, carol, dana)
	h3.core.emit(app.FriendRequestReceived{Request: app.Request{PeerID: "12D3KooWEve", Name: "Eve", Greeting: "Hi!"}})
	h3.eventually("request", func() bool { return len(h3.g.sess.requests) == 1 })
	demoConversation(h3)
	h3.open(bob.PeerID)
	h3.w.Resize(fyne.NewSize(960, 640))
	h3.settle()
	save(h3, "main.png")
	s := h3.g.sess
	for _, d := range []struct {
		name string
		show func()
	}{
		{"details.png", func() { s.showDetails(bob.PeerID) }},
		{"invite.png", s.showInvite},
		{"add.png", s.showAddContact},
		{"requests.png", s.showRequests},
		{"settings.png", s.showSettings},
	} {
		d.show()
		h3.settle()
		save(h3, d.name)
		s.closeDialogs()
	}
	h3.core.emit(app.KeyChanged{Peer: bob.PeerID})
	h3.eventually("key change", func() bool { return !s.conv.banner.Hidden })
	save(h3, "keychanged.png")
	s.showDetails(bob.PeerID)
	h3.settle()
	save(h3, "keychanged-details.png")
	s.showRemove(bob.PeerID)
	h3.settle()
	save(h3, "remove.png")
}
