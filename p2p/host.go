package p2p

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/connmgr"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/protocol/circuitv2/relay"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	libp2ptls "github.com/libp2p/go-libp2p/p2p/security/tls"
	quic "github.com/libp2p/go-libp2p/p2p/transport/quic"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	"github.com/prometheus/client_golang/prometheus"
)

// Config is what [NewHost] needs. Only Identity is required.
type Config struct {
	// Identity is the raw Ed25519 private key (64 bytes: seed then public
	// key, as crypto/ed25519 holds it); its public key is the peer ID.
	Identity ed25519.PrivateKey
	// ListenAddrs are multiaddrs to listen on; nil means
	// /ip4/0.0.0.0/tcp/0 and /ip4/0.0.0.0/udp/0/quic-v1. Use an empty,
	// non-nil slice for a dial-only host.
	ListenAddrs []string
	// Profile selects the resource limits (see limits.go for the numbers).
	Profile Profile
	// Gater may refuse connections (for example from non-friends). Nil
	// admits everyone; per-IP bounds still apply through the resource
	// manager.
	Gater connmgr.ConnectionGater
	// RelayService turns on the circuit relay v2 service with
	// RelayResources (zero value: [ChatRelayResources]).
	RelayService   bool
	RelayResources *relay.Resources
	// StaticRelays, if set, are used by AutoRelay when the host finds
	// itself behind NAT (the user's home node).
	StaticRelays []peer.AddrInfo
	// OnPeerFound, if set, turns on mDNS and is called for every parley
	// host found on the LAN. It must not block.
	OnPeerFound func(peer.AddrInfo)
	// Registerer gets libp2p's metrics; nil disables them.
	Registerer prometheus.Registerer
	// Logger gets lifecycle lines; nil discards.
	Logger *slog.Logger
}

// DefaultListenAddrs are used when Config.ListenAddrs is nil.
var DefaultListenAddrs = []string{"/ip4/0.0.0.0/tcp/0", "/ip4/0.0.0.0/udp/0/quic-v1"}

// NewHost builds and starts a libp2p host: TCP and QUIC, Noise and TLS,
// yamux, explicit resource limits, a connection manager, the relay client
// with hole punching, and optionally the relay service and mDNS. Closing
// the returned host stops everything it started.
func NewHost(ctx context.Context, cfg Config) (host.Host, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	opts, err := hostOptions(cfg)
	if err != nil {
		return nil, err
	}
	h, err := libp2p.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("new libp2p host: %w", err)
	}
	if cfg.Logger != nil {
		cfg.Logger.Debug("host started", "component", "p2p", "peer", h.ID(), "addrs", h.Addrs(),
			"profile", cfg.Profile, "relay_service", cfg.RelayService, "mdns", cfg.OnPeerFound != nil)
	}
	if cfg.OnPeerFound == nil {
		return h, nil
	}
	return startMDNS(h, cfg.OnPeerFound)
}

func hostOptions(cfg Config) ([]libp2p.Option, error) {
	if len(cfg.Identity) != ed25519.PrivateKeySize {
		return nil, errors.New("p2p: identity must be a 64-byte Ed25519 private key")
	}
	sk, err := crypto.UnmarshalEd25519PrivateKey(cfg.Identity)
	if err != nil {
		return nil, fmt.Errorf("load identity: %w", err)
	}
	rm, err := resourceManager(cfg.Profile)
	if err != nil {
		return nil, fmt.Errorf("resource manager: %w", err)
	}
	cm, err := connManager(cfg.Profile)
	if err != nil {
		return nil, fmt.Errorf("connection manager: %w", err)
	}
	listen := cfg.ListenAddrs
	if listen == nil {
		listen = DefaultListenAddrs
	}
	opts := []libp2p.Option{
		libp2p.Identity(sk),
		libp2p.ListenAddrStrings(listen...),
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.Transport(quic.NewTransport),
		libp2p.Security(noise.ID, noise.New),
		libp2p.Security(libp2ptls.ID, libp2ptls.New),
		libp2p.ResourceManager(rm),
		libp2p.ConnectionManager(cm),
		libp2p.EnableRelay(),
		libp2p.EnableHolePunching(),
		libp2p.UserAgent("parley"),
	}
	if cfg.Gater != nil {
		opts = append(opts, libp2p.ConnectionGater(cfg.Gater))
	}
	if cfg.RelayService {
		res := ChatRelayResources()
		if cfg.RelayResources != nil {
			res = *cfg.RelayResources
		}
		// libp2p runs the relay service only while the host believes it is
		// publicly reachable; a node is a server with a public address, so
		// say so rather than wait for AutoNAT to find out.
		opts = append(opts, libp2p.EnableRelayService(relay.WithResources(res)), libp2p.ForceReachabilityPublic())
	}
	if len(cfg.StaticRelays) > 0 {
		opts = append(opts, libp2p.EnableAutoRelayWithStaticRelays(cfg.StaticRelays))
	}
	if cfg.Registerer != nil {
		opts = append(opts, libp2p.PrometheusRegisterer(cfg.Registerer))
	} else {
		opts = append(opts, libp2p.DisableMetrics())
	}
	return opts, nil
}
