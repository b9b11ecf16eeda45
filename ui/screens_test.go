package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"github.com/parley-chat/parley/app"
)

func TestFirstRunCreatesProfile(t *testing.T) {
	h := newHarness(t, false)
	s := h.g.firstRun
	if s == nil {
		t.Fatal("first-run screen not shown without a profile")
	}
	if !s.create.Disabled() {
		t.Error("Create enabled on an empty form")
	}
	test.AssertRendersToMarkup(t, "firstrun.xml", h.w.Canvas())
	test.Type(s.name, "Alice")
	test.Type(s.pass, "short")
	if got := s.hint.Text; !strings.HasPrefix(got, "Too short") {
		t.Errorf("hint for a short passphrase = %q", got)
	}
	test.Type(s.pass, " but now long enough")
	test.Type(s.again, "something else")
	if !strings.Contains(s.hint.Text, "differ") || !s.create.Disabled() {
		t.Errorf("mismatch: hint %q, create disabled %v", s.hint.Text, s.create.Disabled())
	}
	s.again.SetText(s.pass.Text)
	if s.create.Disabled() {
		t.Fatal("Create disabled on a complete form")
	}
	test.Tap(s.create)
	if s.progress.Hidden || !s.name.Disabled() {
		t.Error("no progress shown while creating")
	}
	h.settle()
	if got, want := h.op.created, []string{"Alice|[]"}; len(got) != 1 || got[0] != want[0] {
		t.Errorf("Create calls = %v, want %v (empty node = embedded)", got, want)
	}
	if h.g.sess == nil {
		t.Fatal("main screen not shown after creating the profile")
	}
	if s.pass.Text != "" {
		t.Error("passphrase left in the entry")
	}
}

func TestUnlockWrongThenRight(t *testing.T) {
	h := newHarness(t, true)
	u := h.g.unlock
	if u == nil {
		t.Fatal("unlock screen not shown for an existing profile")
	}
	test.Type(u.pass, "wrong passphrase")
	test.Tap(u.unlock)
	if u.progress.Hidden || !u.pass.Disabled() {
		t.Error("no progress while unlocking")
	}
	h.settle()
	if h.g.sess != nil {
		t.Fatal("unlocked with a wrong passphrase")
	}
	if u.problem.box.Hidden || u.problem.title.Text != "Wrong passphrase" {
		t.Errorf("problem shown = %v %q, want Wrong passphrase", !u.problem.box.Hidden, u.problem.title.Text)
	}
	if u.pass.Text != "" || u.pass.Disabled() {
		t.Error("entry not cleared and enabled for a retry")
	}
	if len(h.op.created) != 0 {
		t.Error("profile touched by a wrong passphrase")
	}

	test.Type(u.pass, h.op.pass)
	u.pass.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) // Enter submits
	h.settle()
	if h.g.sess == nil {
		t.Fatal("not unlocked with the right passphrase")
	}
	if h.op.unlocks != 2 {
		t.Errorf("Unlock calls = %d, want 2", h.op.unlocks)
	}
}

func TestAddContact(t *testing.T) {
	h := unlocked(t)
	s := h.g.sess
	if !s.empty.Visible() {
		t.Error("empty-state hint hidden with no contacts")
	}
	h.core.addErr = badInvite()
	s.showAddContact()
	d := s.addDlg
	test.Type(d.who, "parley:garbage")
	test.Tap(d.send)
	h.settle()
	if d.problem.box.Hidden || d.problem.title.Text != "Invalid invite" {
		t.Fatalf("bad invite: problem %q shown=%v", d.problem.title.Text, !d.problem.box.Hidden)
	}
	h.core.addErr = nil
	d.who.SetText("@bob")
	test.Tap(d.send)
	h.settle()
	if got := h.core.added; len(got) != 1 || got[0] != "@bob|Hi! It's Alice." {
		t.Errorf("AddContact calls = %q", got)
	}
	if s.addDlg != nil {
		t.Error("dialog still open after success")
	}
	c, ok := s.contacts.get("12D3KooWNew")
	if !ok || c.State != app.StateRequested {
		t.Fatalf("new contact not listed as requested: %+v", c)
	}
	if s.empty.Visible() {
		t.Error("empty-state hint still shown")
	}
	conv := h.open("12D3KooWNew")
	if !conv.composer.Disabled() {
		t.Error("composer enabled before the friend accepted")
	}
}

func TestAcceptRequest(t *testing.T) {
	h := unlocked(t)
	s := h.g.sess
	req := app.Request{PeerID: "12D3KooWDana", Name: "Dana", Greeting: "Hi, it's *Dana* <b>!</b>", ReceivedAt: testNow}
	test.AssertNotificationSent(t, fyne.NewNotification("parley", "Friend request from Dana"), func() {
		h.core.emit(app.FriendRequestReceived{Request: req})
		h.eventually("request", func() bool { return len(s.requests) == 1 })
	})
	if s.reqBadge.box.Hidden || s.reqBadge.text.Text != "1" {
		t.Errorf("badge = %q hidden=%v, want 1", s.reqBadge.text.Text, s.reqBadge.box.Hidden)
	}
	s.showRequests()
	row := s.reqDlg.rows[req.PeerID]
	if row == nil {
		t.Fatal("request not listed")
	}
	test.Tap(row.accept)
	h.settle()
	if got := h.core.accepted; len(got) != 1 || got[0] != req.PeerID {
		t.Errorf("Accept calls = %v", got)
	}
	if len(s.requests) != 0 || !s.reqBadge.box.Hidden {
		t.Error("request still pending after accept")
	}
	h.core.emit(app.FriendAccepted{Contact: app.Contact{PeerID: req.PeerID, Name: "Dana", State: app.StateFriend, Online: true}})
	h.eventually("contact", func() bool { _, ok := s.contacts.get(req.PeerID); return ok })
}

func TestSendMessage(t *testing.T) {
	h := unlocked(t, bob, carol)
	s := h.g.sess
	conv := h.open(bob.PeerID)
	test.Type(conv.composer, "Hello")
	conv.composer.KeyDown(&fyne.KeyEvent{Name: desktop.KeyShiftLeft})
	conv.composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	conv.composer.KeyUp(&fyne.KeyEvent{Name: desktop.KeyShiftLeft})
	test.Type(conv.composer, "Bob")
	if got := conv.composer.Text; got != "Hello\nBob" {
		t.Fatalf("Shift+Enter: text = %q, want a line break", got)
	}
	conv.composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	h.settle()
	if len(h.core.sent) != 1 || h.core.sent[0].Text != "Hello\nBob" {
		t.Fatalf("sent = %+v", h.core.sent)
	}
	if conv.composer.Text != "" {
		t.Error("composer not cleared")
	}
	id := h.core.sent[0].ID
	b := conv.bubbles[id]
	if b == nil || !b.msg.Outgoing || b.msg.Status != app.StatusQueued {
		t.Fatalf("bubble for the sent message = %+v", b)
	}
	h.core.emit(app.MessageStatusChanged{ID: id, To: bob.PeerID, Status: app.StatusDelivered})
	h.eventually("delivered", func() bool { return b.msg.Status == app.StatusDelivered })
	if c, _ := s.contacts.get(bob.PeerID); c.LastMessage != "Hello\nBob" || s.contacts.items[0].PeerID != bob.PeerID {
		t.Errorf("preview not updated: %+v", c)
	}
	// An empty message is not sent.
	conv.composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	h.settle()
	if len(h.core.sent) != 1 {
		t.Error("empty message sent")
	}
}

func TestIncomingMessages(t *testing.T) {
	h := unlocked(t, bob, carol)
	s := h.g.sess
	conv := h.open(bob.PeerID)
	in := app.Message{ID: "in-1", Conv: bob.PeerID, From: bob.PeerID, Text: "Are you there?", SentAt: testNow, Status: app.StatusReceived}
	h.core.emit(app.MessageArrived{Msg: in})
	h.eventually("bubble", func() bool { return conv.bubbles["in-1"] != nil })
	secret := app.Message{ID: "in-2", Conv: carol.PeerID, From: carol.PeerID, Text: "the secret plan", SentAt: testNow}
	test.AssertNotificationSent(t, fyne.NewNotification("parley", "New message from Carol"), func() {
		h.core.emit(app.MessageArrived{Msg: secret})
		h.eventually("unread", func() bool { c, _ := s.contacts.get(carol.PeerID); return c.Unread == 3 })
	})
	h.core.emit(app.PresenceChanged{Peer: bob.PeerID, Online: false})
	h.eventually("presence", func() bool { return strings.HasPrefix(conv.presence.Text, "offline") })
}

func TestKeyChangeWarning(t *testing.T) {
	h := unlocked(t, bob)
	s := h.g.sess
	conv := h.open(bob.PeerID)
	if !conv.banner.Hidden {
		t.Fatal("key-change banner shown before any change")
	}
	h.core.emit(app.KeyChanged{Peer: bob.PeerID})
	h.eventually("banner", func() bool { return !conv.banner.Hidden })
	if !conv.composer.Disabled() || !strings.Contains(conv.bannerText.Text, "safety number changed") {
		t.Errorf("banner %q, composer disabled %v", conv.bannerText.Text, conv.composer.Disabled())
	}
	s.showDetails(bob.PeerID)
	h.settle()
	d := s.detailsDlg
	if d.warning.Hidden || !d.trust.Disabled() {
		t.Fatal("details: warning hidden or trust enabled before comparing")
	}
	if !strings.HasPrefix(d.digits.Text, "12345  67890") {
		t.Errorf("digits = %q", d.digits.Text)
	}
	test.AssertRendersToMarkup(t, "key_changed.xml", h.w.Canvas())
	test.Tap(d.compared)
	test.Tap(d.trust)
	h.settle()
	if len(h.core.trusted) != 1 {
		t.Fatal("TrustNewKey not called")
	}
	if !conv.banner.Hidden || conv.composer.Disabled() || !d.warning.Hidden {
		t.Error("still warning after trusting the new key")
	}
}

func TestHistoryPaging(t *testing.T) {
	h := unlocked(t, bob)
	var msgs []app.Message
	for i := range 120 {
		msgs = append(msgs, app.Message{ID: app.MsgID(fmt.Sprintf("%03d", i)), Conv: bob.PeerID,
			From: bob.PeerID, Outgoing: i%3 == 0, Text: fmt.Sprint("message ", i),
			SentAt: testNow.Add(time.Duration(i-120) * 30 * time.Minute), Status: app.StatusDelivered})
	}
	h.core.history[bob.PeerID] = msgs
	conv := h.open(bob.PeerID)
	if len(conv.msgs) != pageSize || conv.msgs[len(conv.msgs)-1].ID != "119" || !conv.more {
		t.Fatalf("first page: %d messages, more=%v", len(conv.msgs), conv.more)
	}
	for want := 100; want <= 120; want += 20 {
		conv.scroll.Scrolled(&fyne.ScrollEvent{Scrolled: fyne.Delta{DY: 1e6}}) // wheel up to the top
		h.settle()
		if len(conv.msgs) != min(want, 120) {
			t.Fatalf("after scrolling up: %d messages, want %d", len(conv.msgs), want)
		}
		if conv.scroll.Offset.Y < 40 {
			t.Errorf("view jumped to the top after loading (offset %v)", conv.scroll.Offset.Y)
		}
	}
	if conv.msgs[0].ID != "000" || conv.more {
		t.Errorf("oldest = %s, more = %v", conv.msgs[0].ID, conv.more)
	}
	if got := h.core.historyCalls; len(got) != 3 || got[0] != "" || got[1] != "070" || got[2] != "020" {
		t.Errorf("History cursors = %q", got)
	}
}

func TestAutoLock(t *testing.T) {
	h := unlocked(t, bob)
	s := h.g.sess
	h.open(bob.PeerID)
	s.showSettings()
	h.now = h.now.Add(9 * time.Minute)
	s.checkIdle()
	if h.g.sess == nil {
		t.Fatal("locked before the idle time")
	}
	h.now = h.now.Add(2 * time.Minute)
	s.checkIdle()
	h.settle()
	if h.g.sess != nil || h.g.unlock == nil {
		t.Fatal("not locked after 11 idle minutes")
	}
	if !h.core.isClosed() {
		t.Error("core not closed on lock")
	}
	if len(h.w.Canvas().Overlays().List()) != 0 {
		t.Error("dialogs left open over the unlock screen")
	}
	if got := h.w.Title(); got != "parley" {
		t.Errorf("title after lock = %q, want no profile name", got)
	}
	// Unlock again: a new session over the reopened core.
	test.Type(h.g.unlock.pass, h.op.pass)
	test.Tap(h.g.unlock.unlock)
	h.settle()
	h.eventually("second unlock", func() bool { return h.g.sess != nil && h.g.sess.contacts.len() == 1 })
}

func TestSendFailureKeepsText(t *testing.T) {
	h := unlocked(t, bob)
	conv := h.open(bob.PeerID)
	h.core.sendErr = fmt.Errorf("send: %w", app.ErrKeyChanged)
	test.Type(conv.composer, "are you still there?")
	conv.composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	h.settle()
	if conv.composer.Text != "are you still there?" {
		t.Errorf("composer = %q after a failed send, want the text back", conv.composer.Text)
	}
	if len(conv.bubbles) != 0 {
		t.Error("a bubble was added for a failed send")
	}
	if len(h.w.Canvas().Overlays().List()) != 1 {
		t.Error("no problem dialog shown")
	}
}

func TestResyncReloads(t *testing.T) {
	h := unlocked(t, bob)
	s := h.g.sess
	conv := h.open(bob.PeerID)
	// Events were lost: a message and a new contact only the core knows about.
	h.core.mu.Lock()
	h.core.history[bob.PeerID] = append(h.core.history[bob.PeerID],
		app.Message{ID: "lost", Conv: bob.PeerID, From: bob.PeerID, Text: "did you get this?", SentAt: testNow})
	h.core.contacts = append(h.core.contacts, carol)
	h.core.mu.Unlock()
	h.core.resync()
	h.eventually("reload", func() bool {
		_, ok := s.contacts.get(carol.PeerID)
		return ok && conv.bubbles["lost"] != nil
	})
	// The drain loop subscribed again: events flow.
	h.core.emit(app.PresenceChanged{Peer: bob.PeerID, Online: false})
	h.eventually("presence after resync", func() bool { c, _ := s.contacts.get(bob.PeerID); return !c.Online })
}

func TestSettingsAndInvite(t *testing.T) {
	h := unlocked(t, bob)
	s := h.g.sess
	s.showInvite()
	test.Tap(s.inviteDlg.copyBtn)
	if got := h.g.app.Clipboard().Content(); got != h.core.me.Invite {
		t.Errorf("clipboard = %q, want the invite", got)
	}
	s.closeDialogs()

	s.showSettings()
	d := s.settingsDlg
	d.nodes.SetText("/ip4/203.0.113.7/tcp/4001/p2p/12D3KooWNode\n")
	test.Tap(d.saveNodes)
	h.settle() // each action writes the confirmation when its call returns: one at a time
	test.Type(d.username, "@alice")
	test.Tap(d.claim)
	h.settle()
	if len(h.core.nodes) != 1 || len(h.core.nodes[0]) != 1 || h.core.nodes[0][0] != "/ip4/203.0.113.7/tcp/4001/p2p/12D3KooWNode" {
		t.Errorf("SetNodes calls = %q", h.core.nodes)
	}
	if len(h.core.claimed) != 1 || h.core.claimed[0] != "alice" {
		t.Errorf("Claim calls = %q, want [alice]", h.core.claimed)
	}
	if !strings.Contains(d.saved.Text, "@alice") {
		t.Errorf("confirmation = %q", d.saved.Text)
	}
	if !d.changePass.Disabled() {
		t.Error("Change passphrase enabled on an empty form")
	}
	d.autoLock.SetSelected(lockLabel(0))
	if got := h.g.autoLockMinutes(); got != 0 {
		t.Errorf("auto-lock = %d after choosing Never", got)
	}
	h.now = h.now.Add(24 * time.Hour)
	s.checkIdle()
	if h.g.sess == nil {
		t.Error("locked although auto-lock is off")
	}
}
