package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/host"

	"github.com/parley-chat/parley/app"
	"github.com/parley-chat/parley/rendezvous/server"
	"github.com/parley-chat/parley/vault"
)

// benchTiming makes the background loops of bench clients quick, so that
// friendship and presence settle in well under a second.
var benchTiming = app.Timing{Poll: 250 * time.Millisecond, Presence: 250 * time.Millisecond}

// appClient is a running app.Client with an event collector that records
// delivery states by message ID.
type appClient struct {
	c      *app.Client
	peer   app.PeerID
	cancel context.CancelFunc
	runErr chan error

	mu        sync.Mutex // guards the fields below
	cond      *sync.Cond
	status    map[app.MsgID]app.MessageStatus
	arrived   int
	arrivedAt map[app.MsgID]time.Time // when MessageArrived was seen (scenario 2)
	track     bool                    // record arrivedAt
	requests  []app.PeerID
	friends   map[app.PeerID]bool
	online    map[app.PeerID]bool
	ready     bool
	resyncs   int
	delivered int
}

// appWorld is a node plus two clients that are friends and see each other
// online, the setting of scenarios 2, 3 and 8.
type appWorld struct {
	srv        *server.Server
	node       host.Host
	alice, bob *appClient
	seq        int // message counter for texts; guarded by the blast mutex or single use
}

// newAppWorld builds the world with its data (the node's, the clients'
// profiles and vaults) in directories under root.
func (e *env) newAppWorld(root string) (*appWorld, error) {
	w := &appWorld{}
	var err error
	if w.srv, err = server.Open(server.Config{Dir: filepath.Join(root, "appnode")}); err != nil {
		return nil, err
	}
	if w.node, err = nodeHost(e.ctx); err != nil {
		w.Close()
		return nil, err
	}
	w.srv.Attach(w.node)
	nodeAddr := fmt.Sprintf("%s/p2p/%s", w.node.Addrs()[0], w.node.ID())
	if w.alice, err = e.startAppClient(root, "alice", nodeAddr); err != nil {
		w.Close()
		return nil, err
	}
	if w.bob, err = e.startAppClient(root, "bob", nodeAddr); err != nil {
		w.Close()
		return nil, err
	}
	if err := w.befriend(e.ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("befriend: %w", err)
	}
	return w, nil
}

func (w *appWorld) Close() {
	for _, c := range []*appClient{w.alice, w.bob} {
		if c != nil {
			c.stop()
		}
	}
	if w.node != nil {
		w.node.Close()
	}
	if w.srv != nil {
		w.srv.Close()
	}
}

// befriend: bob adds alice by invite, alice accepts, both see each other
// as friends and online.
func (w *appWorld) befriend(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if _, err := w.bob.c.AddContact(ctx, w.alice.c.Me().Invite, "hello"); err != nil {
		return fmt.Errorf("add contact: %w", err)
	}
	if err := w.alice.waitFor(ctx, func() bool { return len(w.alice.requests) > 0 }); err != nil {
		return fmt.Errorf("friend request: %w", err)
	}
	if err := w.alice.c.Accept(ctx, w.bob.peer); err != nil {
		return fmt.Errorf("accept: %w", err)
	}
	for _, pair := range [][2]*appClient{{w.alice, w.bob}, {w.bob, w.alice}} {
		a, b := pair[0], pair[1]
		if err := a.waitFor(ctx, func() bool { return a.friends[b.peer] && a.online[b.peer] }); err != nil {
			return fmt.Errorf("%s waiting for %s as online friend: %w", a.c.Me().Name, b.c.Me().Name, err)
		}
	}
	return nil
}

func (e *env) startAppClient(root, name, nodeAddr string) (*appClient, error) {
	dir := filepath.Join(root, "app-"+name)
	pass := []byte("bench passphrase " + name)
	err := app.CreateProfile(e.ctx, app.ProfileConfig{Dir: dir, Name: name, Passphrase: pass,
		Nodes: []string{nodeAddr}, KDF: &vault.TestKDF})
	if err != nil {
		return nil, fmt.Errorf("create profile: %w", err)
	}
	c, err := app.Open(e.ctx, app.Config{Dir: dir, Passphrase: pass, KDF: &vault.TestKDF,
		Listen: []string{"/ip4/127.0.0.1/tcp/0"}, Timing: benchTiming})
	if err != nil {
		return nil, fmt.Errorf("open client: %w", err)
	}
	ctx, cancel := context.WithCancel(e.ctx)
	ac := &appClient{c: c, peer: c.Me().PeerID, cancel: cancel, runErr: make(chan error, 1),
		status: map[app.MsgID]app.MessageStatus{}, arrivedAt: map[app.MsgID]time.Time{}, friends: map[app.PeerID]bool{}, online: map[app.PeerID]bool{}}
	ac.cond = sync.NewCond(&ac.mu)
	ac.subscribe(ctx)
	go func() { ac.runErr <- c.Run(ctx) }()
	return ac, nil
}

// subscribe (re)subscribes and starts the collector; after a Resync it
// subscribes again, so delivery states are never missed for long.
func (ac *appClient) subscribe(ctx context.Context) {
	snap, ch := ac.c.Subscribe(ctx)
	ac.mu.Lock()
	for _, ct := range snap.Contacts {
		ac.friends[ct.PeerID] = ct.State == app.StateFriend
		ac.online[ct.PeerID] = ct.Online
	}
	ac.mu.Unlock()
	go func() {
		for ev := range ch {
			if _, ok := ev.(app.Resync); ok {
				ac.mu.Lock()
				ac.resyncs++
				ac.mu.Unlock()
				if ctx.Err() == nil {
					ac.subscribe(ctx)
				}
				return
			}
			ac.apply(ev)
		}
	}()
}

func (ac *appClient) apply(ev app.Event) {
	ac.mu.Lock()
	defer ac.mu.Unlock()
	defer ac.cond.Broadcast()
	switch ev := ev.(type) {
	case app.MessageStatusChanged:
		if ev.Status == app.StatusDelivered && ac.status[ev.ID] != app.StatusDelivered {
			ac.delivered++
		}
		ac.status[ev.ID] = ev.Status
	case app.MessageArrived:
		ac.arrived++
		if ac.track {
			ac.arrivedAt[ev.Msg.ID] = time.Now()
		}
	case app.FriendRequestReceived:
		ac.requests = append(ac.requests, ev.Request.PeerID)
	case app.FriendAccepted:
		ac.friends[ev.Contact.PeerID] = true
		ac.online[ev.Contact.PeerID] = ac.online[ev.Contact.PeerID] || ev.Contact.Online
	case app.ContactChanged:
		ac.friends[ev.Contact.PeerID] = ev.Contact.State == app.StateFriend
		ac.online[ev.Contact.PeerID] = ev.Contact.Online
	case app.PresenceChanged:
		ac.online[ev.Peer] = ev.Online
	case app.Ready:
		ac.ready = true
	}
}

// waitFor blocks until cond (called with ac.mu held) is true or ctx ends.
func (ac *appClient) waitFor(ctx context.Context, cond func() bool) error {
	stop := context.AfterFunc(ctx, func() {
		ac.mu.Lock()
		ac.cond.Broadcast()
		ac.mu.Unlock()
	})
	defer stop()
	ac.mu.Lock()
	defer ac.mu.Unlock()
	for !cond() {
		if err := ctx.Err(); err != nil {
			return err
		}
		ac.cond.Wait()
	}
	return nil
}

// waitDelivered waits until message id is delivered.
func (ac *appClient) waitDelivered(ctx context.Context, id app.MsgID) error {
	return ac.waitFor(ctx, func() bool { return ac.status[id] == app.StatusDelivered })
}

func (ac *appClient) deliveredCount() int {
	ac.mu.Lock()
	defer ac.mu.Unlock()
	return ac.delivered
}

func (ac *appClient) stop() {
	ac.cancel()
	err := ac.c.Close()
	select {
	case rerr := <-ac.runErr:
		err = errors.Join(err, rerr)
	case <-time.After(10 * time.Second):
	}
	_ = err // shutdown errors do not change the figures
}

// arrival returns (and forgets) when bob saw message id arrive.
func (ac *appClient) arrival(ctx context.Context, id app.MsgID) (time.Time, error) {
	var t time.Time
	err := ac.waitFor(ctx, func() bool {
		var ok bool
		t, ok = ac.arrivedAt[id]
		delete(ac.arrivedAt, id)
		return ok
	})
	return t, err
}

func (ac *appClient) setTrack(on bool) {
	ac.mu.Lock()
	defer ac.mu.Unlock()
	ac.track = on
	clear(ac.arrivedAt)
}
