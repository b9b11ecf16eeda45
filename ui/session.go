package ui

import (
	"context"
	"sync"
	"time"

	"fyne.io/fyne/v2"

	"github.com/parley-chat/parley/app"
)

// session is the unlocked profile as the main screen shows it. It owns the
// event drain loop and the idle ticker; everything else is touched on the UI
// goroutine only. The zero value is not usable; use newSession.
type session struct {
	g      *GUI
	core   Core
	ctx    context.Context // the session's lifecycle; cancelled on lock
	cancel context.CancelFunc
	wg     sync.WaitGroup // drain loop and idle ticker

	// UI goroutine only, from here on.
	ended      bool
	me         app.Me
	status     app.Status
	requests   []app.Request
	snapshots  int // how many snapshots were applied (more than one: resyncs)
	lastActive time.Time
	background bool // the window is not in the foreground
	*mainWindow
}

func newSession(g *GUI, c Core) *session {
	s := &session{g: g, core: c, lastActive: g.now()}
	s.ctx, s.cancel = context.WithCancel(g.ctx)
	s.mainWindow = newMainWindow(s)
	return s
}

// start subscribes to the core's events and starts the idle ticker.
func (s *session) start() {
	s.wg.Go(s.drain)
	s.wg.Go(s.tickIdle)
}

// drain is the one event loop of the window: it takes a snapshot, then
// applies each event on the UI goroutine. On Resync it subscribes again.
func (s *session) drain() {
	for s.ctx.Err() == nil {
		snap, events := s.core.Subscribe(s.ctx)
		s.g.bg.do(func() { s.applySnapshot(snap) })
		resync := false
		for ev := range events {
			if _, ok := ev.(app.Resync); ok {
				resync = true
				break
			}
			s.g.bg.do(func() { s.apply(ev) })
		}
		if !resync {
			return
		}
	}
}

// tickIdle asks the UI goroutine twice a minute whether it is time to lock.
func (s *session) tickIdle() {
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
			s.g.bg.do(s.checkIdle)
		}
	}
}

// touch records user activity for the auto-lock.
func (s *session) touch() { s.lastActive = s.g.now() }

// checkIdle locks the GUI when the user was idle longer than the setting.
func (s *session) checkIdle() {
	min := s.g.autoLockMinutes()
	if s.ended || min <= 0 {
		return
	}
	if s.g.now().Sub(s.lastActive) >= time.Duration(min)*time.Minute {
		s.g.Lock()
	}
}

// stop cancels the session's goroutines; the core stays open.
func (s *session) stop() {
	s.ended = true
	s.cancel()
}

// end stops the session and closes the core in the background: locking.
func (s *session) end() {
	s.stop()
	s.closeDialogs()
	// The next unlock waits for this (g.closing): the vault must be closed
	// before it is opened again.
	s.g.closing.Go(func() {
		_ = s.core.Close()
		s.wg.Wait()
	})
}

// call runs a core call off the UI goroutine; on error it shows the Problem.
// done (optional) runs on the UI goroutine when the call succeeded.
func (s *session) call(work func(ctx context.Context) error, done func()) {
	s.touch()
	s.g.bg.start(func() error { return work(s.ctx) }, func(err error) {
		if s.ended {
			return
		}
		if err != nil {
			showProblem(s.g.win, problemOf(err))
			return
		}
		if done != nil {
			done()
		}
	})
}

// applySnapshot replaces the whole model with the core's state.
func (s *session) applySnapshot(snap app.Snapshot) {
	if s.ended {
		return
	}
	s.me = snap.Me
	s.g.win.SetTitle(s.me.Name + " - parley")
	s.status = snap.Status
	s.requests = append([]app.Request(nil), snap.Requests...)
	s.contacts.set(snap.Contacts)
	s.refreshChrome()
	if s.conv != nil {
		s.refreshConvContact(s.conv.peer)
		if s.snapshots > 0 { // a resync: events may have been lost
			s.conv.fetch("")
		}
	}
	s.snapshots++
}

// apply changes the model by one event.
func (s *session) apply(ev app.Event) {
	if s.ended {
		return
	}
	switch ev := ev.(type) {
	case app.FriendRequestReceived:
		s.addRequest(ev.Request)
	case app.FriendAccepted:
		s.removeRequest(ev.Contact.PeerID)
		s.upsertContact(ev.Contact)
	case app.MessageArrived:
		s.messageArrived(ev.Msg)
	case app.MessageStatusChanged:
		if s.conv != nil && s.conv.peer == ev.To {
			s.conv.setStatus(ev.ID, ev.Status)
		}
	case app.PresenceChanged:
		s.contacts.update(ev.Peer, func(c *app.Contact) { c.Online = ev.Online })
		s.refreshConvContact(ev.Peer)
	case app.ContactChanged:
		s.upsertContact(ev.Contact)
	case app.ContactRemoved:
		s.contactRemoved(ev.Peer)
	case app.KeyChanged:
		s.contacts.update(ev.Peer, func(c *app.Contact) { c.State = app.StateKeyChanged; c.Verified = false })
		s.refreshConvContact(ev.Peer)
	case app.StatusChanged:
		s.status = ev.Status
		s.refreshChrome()
	case app.ProblemOccurred:
		s.showProblem(ev.Problem)
	}
}

func (s *session) upsertContact(c app.Contact) {
	if c.State == app.StateIncoming {
		return // shown in the requests list, not among contacts
	}
	s.contacts.upsert(c)
	s.refreshConvContact(c.PeerID)
}

// refreshConvContact updates the open conversation's header and the details
// dialog if they show peer.
func (s *session) refreshConvContact(peer app.PeerID) {
	if d := s.detailsDlg; d != nil && d.peer == peer {
		d.refresh()
	}
	if s.conv == nil || s.conv.peer != peer {
		return
	}
	if c, ok := s.contacts.get(peer); ok {
		s.conv.setContact(c)
	}
}

// messageArrived shows an incoming message, or counts it as unread and
// notifies with the sender's name only (never the text).
func (s *session) messageArrived(m app.Message) {
	open := s.conv != nil && s.conv.peer == m.Conv
	name := ""
	s.contacts.update(m.Conv, func(c *app.Contact) {
		name = c.Name
		c.LastMessage, c.LastAt = previewOf(m.Text), m.SentAt
		if !open {
			c.Unread++
		}
	})
	if open {
		s.conv.add(m)
		if !s.background {
			s.markOpenRead()
			return
		}
	}
	if name == "" {
		name = "a friend"
	}
	s.g.app.SendNotification(fyne.NewNotification("parley", "New message from "+name))
}

// markOpenRead marks the open conversation read, in the core and the list.
func (s *session) markOpenRead() {
	if s.conv == nil {
		return
	}
	peer := s.conv.peer
	s.contacts.update(peer, func(c *app.Contact) { c.Unread = 0 })
	s.call(func(ctx context.Context) error { return s.core.MarkRead(ctx, peer) }, nil)
}

func (s *session) addRequest(r app.Request) {
	s.removeRequest(r.PeerID)
	s.requests = append(s.requests, r)
	s.refreshChrome()
	s.g.app.SendNotification(fyne.NewNotification("parley", "Friend request from "+r.Name))
}

func (s *session) removeRequest(peer app.PeerID) {
	for i, r := range s.requests {
		if r.PeerID == peer {
			s.requests = append(s.requests[:i:i], s.requests[i+1:]...)
			break
		}
	}
	s.refreshChrome()
}
