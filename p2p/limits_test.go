package p2p

import (
	"fmt"
	"testing"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// yamuxWindow is what go-yamux v5 reserves per stream (initialStreamWindow).
const yamuxWindow = 256 << 10

// TestNodeLimitsAdmitIdleClients drives the node profile's resource manager
// as 10,500 idle clients would: one inbound connection each with two open
// streams (registry and mailbox), each stream reserving a yamux window.
func TestNodeLimitsAdmitIdleClients(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 10,500 connection scopes")
	}
	rm, err := resourceManager(ProfileNode)
	if err != nil {
		t.Fatal(err)
	}
	defer rm.Close()
	const clients = 10_500
	var done []func()
	defer func() {
		for _, f := range done {
			f()
		}
	}()
	for i := range clients {
		if err := openIdleClient(rm, i, &done); err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
	}
}

func openIdleClient(rm network.ResourceManager, i int, done *[]func()) error {
	addr := ma.StringCast(fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", 1024+i%60000))
	conn, err := rm.OpenConnection(network.DirInbound, true, addr)
	if err != nil {
		return fmt.Errorf("open connection: %w", err)
	}
	*done = append(*done, conn.Done)
	p := peer.ID(fmt.Sprintf("client-%d", i))
	if err := conn.SetPeer(p); err != nil {
		return fmt.Errorf("set peer: %w", err)
	}
	for _, proto := range []string{string(ProtoRegistry), string(ProtoMailbox)} {
		s, err := rm.OpenStream(p, network.DirInbound)
		if err != nil {
			return fmt.Errorf("open stream: %w", err)
		}
		*done = append(*done, s.Done)
		if err := conn.ReserveMemory(yamuxWindow, network.ReservationPriorityAlways); err != nil {
			return fmt.Errorf("reserve yamux window: %w", err)
		}
		if err := s.SetProtocol(protocolID(proto)); err != nil {
			return fmt.Errorf("set protocol: %w", err)
		}
	}
	return nil
}

// TestPerIPConnectionBound: the node admits 64 concurrent connections from
// one IPv4 address and refuses the 65th; another address is unaffected.
func TestPerIPConnectionBound(t *testing.T) {
	rm, err := resourceManager(ProfileNode)
	if err != nil {
		t.Fatal(err)
	}
	defer rm.Close()
	open := func(ip string, port int) error {
		c, err := rm.OpenConnection(network.DirInbound, true, ma.StringCast(fmt.Sprintf("/ip4/%s/tcp/%d", ip, port)))
		if err == nil {
			t.Cleanup(c.Done)
		}
		return err
	}
	for i := range nodeLimits.perIPv4 {
		if err := open("203.0.113.7", 1000+i); err != nil {
			t.Fatalf("connection %d from one IP: %v", i+1, err)
		}
	}
	if err := open("203.0.113.7", 999); err == nil {
		t.Errorf("connection %d from one IP admitted, want refused", nodeLimits.perIPv4+1)
	}
	if err := open("203.0.113.8", 1000); err != nil {
		t.Errorf("first connection from another IP: %v", err)
	}
}
