package p2p

import (
	"net/netip"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/protocol"
	rcmgr "github.com/libp2p/go-libp2p/p2p/host/resource-manager"
	"github.com/libp2p/go-libp2p/p2p/net/connmgr"
	"github.com/libp2p/go-libp2p/p2p/protocol/circuitv2/relay"
	"github.com/libp2p/go-libp2p/x/rate"
)

// Profile selects the resource limits of a host.
type Profile int

const (
	// ProfileClient suits a desktop or phone: a few hundred connections.
	ProfileClient Profile = iota
	// ProfileNode suits a rendezvous node serving 10,000+ mostly idle clients.
	ProfileNode
)

// profileLimits is one profile's numbers, gathered so that they are read
// (and reviewed) in one place.
type profileLimits struct {
	system, transient, peer rcmgr.ResourceLimits
	// memory and fds scale libp2p's per-service defaults (identify, ping,
	// relay, holepunch) before the explicit numbers above override them.
	memory   int64
	fds      int
	low, hi  int // connection manager watermarks
	perIPv4  int // concurrent connections per IPv4 /32
	perIPv6  int // concurrent connections per IPv6 /56
	connRate rate.Limit
	// protoStreams bounds the streams of each parley protocol host-wide.
	protoStreams int
}

// The node profile. An idle client holds one connection and up to four
// streams (a persistent registry and mailbox stream, identify, ping), so
// 12,000 inbound connections and 48,000 inbound streams fit 10,000 clients
// with 20% headroom.
//
// Memory is the resource manager's *accounting*, not RSS: yamux reserves its
// initial receive window, 256 KiB, for every stream it opens (go-yamux v5
// session.go), so 2 GiB would admit only 8,192 open streams host-wide (the
// bench hit exactly that). 48,000 streams × 256 KiB = 12 GiB, so the system
// scope gets 16 GiB of accounting. Real memory per idle client is ~100 KiB
// (BENCHMARKS.md); the window is only filled by a peer that sends faster
// than the node reads, and the node reads every frame at once under a
// deadline.
//
// TCP connections need one file descriptor each (QUIC shares one socket),
// so run the node with `ulimit -n` ≥ 16384. Per peer: a client needs 1–2
// connections and a handful of streams; 8 connections / 64 inbound streams
// bound a misbehaving one. Transient (not yet authenticated) connections are
// bounded so that a reconnect storm after a node restart cannot exhaust the
// system scope. Per IP: 64 connections (many clients may sit behind one
// NAT), and new connections at 2/s with a burst of 64 (libp2p's default
// 0.2/s would stall a NATed office reconnecting after a restart).
var nodeLimits = profileLimits{
	system: rcmgr.ResourceLimits{
		Conns: 13_000, ConnsInbound: 12_000, ConnsOutbound: 1_024,
		Streams: 52_000, StreamsInbound: 48_000, StreamsOutbound: 4_096,
		FD: 14_000, Memory: 16 << 30,
	},
	transient: rcmgr.ResourceLimits{
		Conns: 1_024, ConnsInbound: 768, ConnsOutbound: 256,
		Streams: 2_048, StreamsInbound: 1_536, StreamsOutbound: 512,
		FD: 768, Memory: 256 << 20,
	},
	peer: rcmgr.ResourceLimits{
		Conns: 8, ConnsInbound: 8, ConnsOutbound: 4,
		Streams: 96, StreamsInbound: 64, StreamsOutbound: 32,
		FD: 8, Memory: 64 << 20,
	},
	memory: 16 << 30, fds: 14_000,
	low: 11_000, hi: 12_500,
	perIPv4: 64, perIPv6: 64,
	connRate: rate.Limit{RPS: 2, Burst: 64},
	// Each client keeps one persistent stream per node protocol.
	protoStreams: 16_000,
}

// The client profile: a user talks to tens of friends and one or two nodes;
// a few hundred connections and streams are plenty. 512 MiB of accounting
// admits 2,048 streams at yamux's 256 KiB window reservation each.
var clientLimits = profileLimits{
	system: rcmgr.ResourceLimits{
		Conns: 384, ConnsInbound: 128, ConnsOutbound: 256,
		Streams: 2_048, StreamsInbound: 1_024, StreamsOutbound: 1_024,
		FD: 512, Memory: 512 << 20,
	},
	transient: rcmgr.ResourceLimits{
		Conns: 64, ConnsInbound: 32, ConnsOutbound: 64,
		Streams: 256, StreamsInbound: 128, StreamsOutbound: 128,
		FD: 64, Memory: 32 << 20,
	},
	peer: rcmgr.ResourceLimits{
		Conns: 8, ConnsInbound: 4, ConnsOutbound: 8,
		Streams: 256, StreamsInbound: 128, StreamsOutbound: 128,
		FD: 8, Memory: 64 << 20,
	},
	memory: 512 << 20, fds: 512,
	low: 64, hi: 192,
	perIPv4: 8, perIPv6: 8,
	connRate:     rate.Limit{RPS: 0.2, Burst: 16},
	protoStreams: 512,
}

// parleyProtocolPeerStreams bounds the inbound streams one peer may hold
// per parley protocol; clients use one persistent stream per protocol.
const parleyProtocolPeerStreams = 8

func (p Profile) limits() profileLimits {
	if p == ProfileNode {
		return nodeLimits
	}
	return clientLimits
}

// resourceManager builds the resource manager of profile p.
func resourceManager(p Profile) (network.ResourceManager, error) {
	pl := p.limits()
	scaling := rcmgr.DefaultLimits
	libp2p.SetDefaultServiceLimits(&scaling)
	for _, id := range []protocol.ID{ProtoMsg, ProtoRegistry, ProtoDirectory, ProtoMailbox, ProtoMailboxV1} {
		n := pl.protoStreams
		scaling.AddProtocolLimit(id,
			rcmgr.BaseLimit{StreamsInbound: n, StreamsOutbound: n, Streams: 2 * n, Memory: pl.memory},
			rcmgr.BaseLimitIncrease{})
		scaling.AddProtocolPeerLimit(id,
			rcmgr.BaseLimit{StreamsInbound: parleyProtocolPeerStreams, StreamsOutbound: parleyProtocolPeerStreams,
				Streams: 2 * parleyProtocolPeerStreams, Memory: 16 << 20},
			rcmgr.BaseLimitIncrease{})
	}
	partial := rcmgr.PartialLimitConfig{
		System:      pl.system,
		Transient:   pl.transient,
		PeerDefault: pl.peer,
	}
	limiter := rcmgr.NewFixedLimiter(partial.Build(scaling.Scale(pl.memory, pl.fds)))
	return rcmgr.NewResourceManager(limiter,
		rcmgr.WithLimitPerSubnet(
			[]rcmgr.ConnLimitPerSubnet{{PrefixLength: 32, ConnCount: pl.perIPv4}},
			[]rcmgr.ConnLimitPerSubnet{{PrefixLength: 56, ConnCount: pl.perIPv6}, {PrefixLength: 48, ConnCount: 8 * pl.perIPv6}}),
		rcmgr.WithConnRateLimiters(connRateLimiter(pl.connRate)))
}

func connRateLimiter(l rate.Limit) *rate.Limiter {
	return &rate.Limiter{
		// Loopback is never limited, as in libp2p's default.
		NetworkPrefixLimits: []rate.PrefixLimit{
			{Prefix: netip.MustParsePrefix("127.0.0.0/8")}, {Prefix: netip.MustParsePrefix("::1/128")},
		},
		SubnetRateLimiter: rate.SubnetLimiter{
			IPv4SubnetLimits: []rate.SubnetLimit{{PrefixLength: 32, Limit: l}},
			IPv6SubnetLimits: []rate.SubnetLimit{{PrefixLength: 56, Limit: l}},
			GracePeriod:      time.Minute,
		},
	}
}

func connManager(p Profile) (*connmgr.BasicConnMgr, error) {
	pl := p.limits()
	return connmgr.NewConnManager(pl.low, pl.hi, connmgr.WithGracePeriod(time.Minute))
}

// ChatRelayResources are the relay service resources of a parley node.
// libp2p's defaults cut a relayed connection after 2 minutes or 128 KiB,
// which suits a hole-punch handshake but not a conversation that has to stay
// relayed when hole punching fails (symmetric NAT, phones on CGNAT): a chat
// session lasts hours and a photo-sized envelope is 300 KiB. So a circuit
// lives for 1 hour and carries 16 MiB each way (then the client simply opens
// a new one). 4,096 reservations (of 10,000+ clients, only those behind NAT
// that are online need one), 4 circuits per peer, 16 reservations per IP.
func ChatRelayResources() relay.Resources {
	r := relay.DefaultResources()
	r.Limit = &relay.RelayLimit{Duration: time.Hour, Data: 16 << 20}
	r.ReservationTTL = time.Hour
	r.MaxReservations = 4_096
	r.MaxCircuits = 4
	r.BufferSize = 4096
	r.MaxReservationsPerIP = 16
	r.MaxReservationsPerASN = 256
	return r
}
