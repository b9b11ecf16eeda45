package ui

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/parley-chat/parley/app"
)

func wrongPassphrase() error { return fmt.Errorf("open profile: %w", app.ErrWrongPassphrase) }
func badInvite() error       { return fmt.Errorf("add contact: %w", app.ErrBadInvite) }

// fakeCore is an in-memory ui.Core. Safe for concurrent use.
type fakeCore struct {
	mu       sync.Mutex
	me       app.Me
	status   app.Status
	contacts []app.Contact
	requests []app.Request
	history  map[app.PeerID][]app.Message // oldest first
	subs     []chan app.Event
	closed   bool
	nextID   int
	addErr   error
	sendErr  error
	// What the GUI asked for.
	added        []string
	accepted     []app.PeerID
	declined     []app.PeerID
	sent         []app.Message
	read         []app.PeerID
	verified     []app.PeerID
	trusted      []app.PeerID
	removed      []app.PeerID
	historyCalls []app.MsgID
	nodes        [][]string
	claimed      []string
}

var _ Core = (*fakeCore)(nil)

func newFakeCore() *fakeCore {
	return &fakeCore{
		me:      app.Me{PeerID: "12D3KooWAlice", Name: "Alice", Invite: "parley:alice-invite-0123456789abcdef"},
		status:  app.Status{NodeReachable: true, Embedded: true},
		history: map[app.PeerID][]app.Message{},
	}
}

func (f *fakeCore) Subscribe(ctx context.Context) (app.Snapshot, <-chan app.Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := make(chan app.Event, 64)
	if f.closed {
		close(ch)
	} else {
		f.subs = append(f.subs, ch)
		context.AfterFunc(ctx, func() { f.unsubscribe(ch) })
	}
	return app.Snapshot{Me: f.me, Contacts: slices.Clone(f.contacts), Requests: slices.Clone(f.requests), Status: f.status}, ch
}

func (f *fakeCore) unsubscribe(ch chan app.Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if i := slices.Index(f.subs, ch); i >= 0 {
		f.subs = slices.Delete(f.subs, i, i+1)
		close(ch)
	}
}

// emit sends ev to every subscriber.
func (f *fakeCore) emit(ev app.Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, ch := range f.subs {
		ch <- ev
	}
}

// resync drops every subscriber after a Resync, as the core does when a
// subscriber falls behind.
func (f *fakeCore) resync() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, ch := range f.subs {
		ch <- app.Resync{}
		close(ch)
	}
	f.subs = nil
}

func (f *fakeCore) Me() app.Me         { f.mu.Lock(); defer f.mu.Unlock(); return f.me }
func (f *fakeCore) Status() app.Status { f.mu.Lock(); defer f.mu.Unlock(); return f.status }
func (f *fakeCore) Contacts() []app.Contact {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.contacts)
}
func (f *fakeCore) Requests() []app.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.requests)
}

func (f *fakeCore) AddContact(_ context.Context, who, greeting string) (app.PeerID, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.addErr != nil {
		return "", f.addErr
	}
	f.added = append(f.added, who+"|"+greeting)
	id := app.PeerID("12D3KooWNew")
	f.contacts = append(f.contacts, app.Contact{PeerID: id, Name: "Newfriend", State: app.StateRequested})
	return id, nil
}

func (f *fakeCore) Accept(_ context.Context, p app.PeerID) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.accepted = append(f.accepted, p)
	return nil
}

func (f *fakeCore) Decline(_ context.Context, p app.PeerID) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.declined = append(f.declined, p)
	return nil
}

func (f *fakeCore) Send(_ context.Context, to app.PeerID, text string) (app.MsgID, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sendErr != nil {
		return "", f.sendErr
	}
	f.nextID++
	m := app.Message{ID: app.MsgID(fmt.Sprintf("sent-%d", f.nextID)), Conv: to, From: f.me.PeerID, Outgoing: true,
		Text: text, SentAt: testNow, Status: app.StatusQueued}
	f.sent = append(f.sent, m)
	f.history[to] = append(f.history[to], m)
	return m.ID, nil
}

func (f *fakeCore) History(_ context.Context, with app.PeerID, before app.MsgID, limit int) ([]app.Message, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.historyCalls = append(f.historyCalls, before)
	all := f.history[with]
	end := len(all)
	if before != "" {
		end = slices.IndexFunc(all, func(m app.Message) bool { return m.ID == before })
	}
	page := slices.Clone(all[max(0, end-limit):end])
	slices.Reverse(page) // newest first
	return page, nil
}

func (f *fakeCore) MarkRead(_ context.Context, with app.PeerID) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.read = append(f.read, with)
	return nil
}

func (f *fakeCore) SafetyNumber(app.PeerID) (app.SafetyNumber, error) {
	return app.SafetyNumber{Digits: "12345 67890 12345 67890 12345 67890 12345 67890 12345 67890 12345 67890",
		QR: []byte("safety-qr")}, nil
}

func (f *fakeCore) Verify(_ context.Context, p app.PeerID) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.verified = append(f.verified, p)
	return nil
}

func (f *fakeCore) TrustNewKey(_ context.Context, p app.PeerID) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.trusted = append(f.trusted, p)
	return nil
}

// RemoveContact forgets p and emits ContactRemoved, as the core does.
func (f *fakeCore) RemoveContact(_ context.Context, p app.PeerID) error {
	f.mu.Lock()
	i := slices.IndexFunc(f.contacts, func(c app.Contact) bool { return c.PeerID == p })
	if i < 0 {
		f.mu.Unlock()
		return fmt.Errorf("remove contact: %w", app.ErrUnknownContact)
	}
	f.contacts = slices.Delete(f.contacts, i, i+1)
	delete(f.history, p)
	f.removed = append(f.removed, p)
	f.mu.Unlock()
	f.emit(app.ContactRemoved{Peer: p})
	return nil
}

func (f *fakeCore) Claim(_ context.Context, u string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.claimed = append(f.claimed, u)
	return nil
}

func (f *fakeCore) ChangePassphrase(context.Context, []byte, []byte) error { return nil }

func (f *fakeCore) SetNodes(_ context.Context, n []string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nodes = append(f.nodes, n)
	return nil
}

func (f *fakeCore) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.closed {
		f.closed = true
		for _, ch := range f.subs {
			close(ch)
		}
		f.subs = nil
	}
	return nil
}

func (f *fakeCore) isClosed() bool { f.mu.Lock(); defer f.mu.Unlock(); return f.closed }

// fakeOpener is an in-memory ui.Opener with one passphrase. Safe for concurrent use.
type fakeOpener struct {
	mu      sync.Mutex
	exists  bool
	pass    string
	core    *fakeCore
	created []string // name|nodes of each Create
	unlocks int
}

var _ Opener = (*fakeOpener)(nil)

func (o *fakeOpener) ProfileExists() bool { o.mu.Lock(); defer o.mu.Unlock(); return o.exists }
func (o *fakeOpener) DefaultNode() string { return "" }

func (o *fakeOpener) Create(_ context.Context, name string, pass []byte, nodes []string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.exists, o.pass = true, string(pass)
	o.created = append(o.created, fmt.Sprintf("%s|%v", name, nodes))
	o.core.me.Name = name
	return nil
}

func (o *fakeOpener) Unlock(_ context.Context, pass []byte) (Core, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.unlocks++
	if string(pass) != o.pass {
		return nil, wrongPassphrase()
	}
	o.core.mu.Lock()
	o.core.closed = false
	o.core.mu.Unlock()
	return o.core, nil
}

// testNow is the fixed clock of the tests: a Wednesday afternoon.
var testNow = time.Date(2026, 3, 4, 15, 30, 0, 0, time.Local)

// uiQueue stands in for fyne.Do: closures queue up and the test goroutine,
// playing the UI goroutine, runs them.
type uiQueue struct {
	mu    sync.Mutex
	queue []func()
}

func (q *uiQueue) do(f func()) {
	q.mu.Lock()
	q.queue = append(q.queue, f)
	q.mu.Unlock()
}

// run runs the queued closures; it reports whether there were any.
func (q *uiQueue) run() bool {
	q.mu.Lock()
	fs := q.queue
	q.queue = nil
	q.mu.Unlock()
	for _, f := range fs {
		f()
	}
	return len(fs) > 0
}

// harness is a GUI on Fyne's test driver over a fake core.
type harness struct {
	t    *testing.T
	g    *GUI
	w    fyne.Window
	q    *uiQueue
	core *fakeCore
	op   *fakeOpener
	now  time.Time
}

func newHarness(t *testing.T, exists bool) *harness {
	t.Helper()
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, widget.NewLabel(""))
	w.Resize(fyne.NewSize(960, 640))
	core := newFakeCore()
	op := &fakeOpener{exists: exists, pass: "correct horse battery", core: core}
	h := &harness{t: t, w: w, q: &uiQueue{}, core: core, op: op, now: testNow}
	h.g = New(t.Context(), a, w, op)
	h.g.bg.do = h.q.do
	h.g.now = func() time.Time { return h.now }
	t.Cleanup(func() {
		h.g.Close()
		h.settle()
	})
	h.g.Start()
	return h
}

// settle waits for background calls and runs what they handed to the UI
// goroutine, until nothing is left.
func (h *harness) settle() {
	for range 1000 {
		h.g.closing.Wait()
		h.g.bg.wait()
		if !h.q.run() {
			return
		}
	}
	h.t.Fatal("GUI did not settle")
}

// eventually settles until cond holds: events come through the drain
// goroutine, which the test cannot join. Bounded at 5 s.
func (h *harness) eventually(what string, cond func() bool) {
	h.t.Helper()
	h.eventuallyWithin(5*time.Second, what, cond)
}

func (h *harness) eventuallyWithin(d time.Duration, what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		h.settle()
		if cond() {
			return
		}
		time.Sleep(time.Millisecond)
	}
	h.t.Fatalf("timed out waiting for %s", what)
}

// unlocked is a harness on the main screen with the given contacts.
func unlocked(t *testing.T, contacts ...app.Contact) *harness {
	t.Helper()
	h := newHarness(t, true)
	h.core.contacts = contacts
	test.Type(h.g.unlock.pass, h.op.pass)
	test.Tap(h.g.unlock.unlock)
	h.settle()
	if h.g.sess == nil {
		t.Fatal("not unlocked")
	}
	h.eventually("snapshot", func() bool { return h.g.sess.me.Name == "Alice" })
	return h
}

// open selects the contact p in the list and waits for its history.
func (h *harness) open(p app.PeerID) *conversation {
	h.t.Helper()
	s := h.g.sess
	s.contacts.list.Select(s.contacts.index(p))
	h.settle()
	if s.conv == nil || s.conv.peer != p {
		h.t.Fatalf("conversation with %s not open", p)
	}
	return s.conv
}

var bob = app.Contact{PeerID: "12D3KooWBob", Name: "Bob", State: app.StateFriend, Online: true,
	LastMessage: "See you at 6", LastAt: testNow.Add(-time.Hour)}
var carol = app.Contact{PeerID: "12D3KooWCarol", Name: "Carol", State: app.StateFriend,
	LastMessage: "Thanks!", LastAt: testNow.Add(-26 * time.Hour), Unread: 2}
