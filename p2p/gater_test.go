package p2p

import (
	"testing"

	"github.com/libp2p/go-libp2p/core/peer"
)

// TestInboundGater: a host that admits only its friend refuses a stranger's
// connection, and can still dial out to the stranger itself.
func TestInboundGater(t *testing.T) {
	friend := newHost(t, Config{ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}})
	stranger := newHost(t, Config{ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}})
	me := newHost(t, Config{
		ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"},
		Gater:       InboundGater(func(p peer.ID) bool { return p == friend.ID() }),
	})
	Serve(me, echoProto, echo, Limits{})
	connect(t, friend, me)
	if _, err := Call(t.Context(), friend, me.ID(), echoProto, []byte("hi"), 0); err != nil {
		t.Errorf("friend: %v", err)
	}
	if err := stranger.Connect(t.Context(), peer.AddrInfo{ID: me.ID(), Addrs: me.Addrs()}); err == nil {
		// The dialer may see the handshake succeed before the gater closes
		// the connection; no stream may get through.
		if _, err := Call(t.Context(), stranger, me.ID(), echoProto, []byte("hi"), 0); err == nil {
			t.Error("stranger got a stream through the gater")
		}
	}
	if err := me.Connect(t.Context(), peer.AddrInfo{ID: stranger.ID(), Addrs: stranger.Addrs()}); err != nil {
		t.Errorf("outbound dial to the stranger: %v", err)
	}
}
