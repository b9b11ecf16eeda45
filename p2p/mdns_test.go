package p2p

import (
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// TestMDNS: two hosts with OnPeerFound find each other on the machine's
// LAN interfaces. Skipped where multicast is unavailable (some CI sandboxes).
func TestMDNS(t *testing.T) {
	if testing.Short() {
		t.Skip("needs multicast")
	}
	found := make(chan peer.ID, 16)
	on := func(ai peer.AddrInfo) {
		select {
		case found <- ai.ID:
		default:
		}
	}
	a := newHost(t, Config{ListenAddrs: []string{"/ip4/0.0.0.0/tcp/0"}, OnPeerFound: on})
	b := newHost(t, Config{ListenAddrs: []string{"/ip4/0.0.0.0/tcp/0"}, OnPeerFound: func(peer.AddrInfo) {}})
	deadline := time.After(5 * time.Second)
	for {
		select {
		case id := <-found:
			if id == b.ID() {
				return
			}
		case <-deadline:
			t.Skipf("a did not find b by mDNS within 5s (no multicast here?); a=%s", a.ID())
		}
	}
}
