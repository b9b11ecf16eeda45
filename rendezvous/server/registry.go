package server

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/record"
	"google.golang.org/protobuf/proto"

	"github.com/parley-chat/parley/rendezvous"
)

// registration is one peer's presence: its signed addresses until expires.
type registration struct {
	addrs   [][]byte
	seq     uint64
	expires time.Time
}

// registry is presence: a peer is online while it is registered and
// connected. A disconnect removes its registration at once (network
// notifications), so it shows offline within the time the transport needs
// to notice (immediately for a closed connection).
type registry struct {
	maxTTL  time.Duration
	now     func() time.Time
	metrics *metrics
	notify  *network.NotifyBundle

	mu   sync.Mutex // guards h and regs
	h    host.Host
	regs map[peer.ID]registration
}

func newRegistry(cfg Config, m *metrics) *registry {
	r := &registry{maxTTL: cfg.RegistryTTL, now: cfg.Now, metrics: m, regs: make(map[peer.ID]registration)}
	r.notify = &network.NotifyBundle{DisconnectedF: r.disconnected}
	return r
}

func (r *registry) attach(h host.Host) {
	r.mu.Lock()
	r.h = h
	r.mu.Unlock()
	h.Network().Notify(r.notify)
}

func (r *registry) detach(h host.Host) { h.Network().StopNotify(r.notify) }

// disconnected drops p's registration once its last connection is gone. It
// runs on libp2p's notification path, so it only takes a short lock.
func (r *registry) disconnected(n network.Network, c network.Conn) {
	p := c.RemotePeer()
	if n.Connectedness(p) == network.Connected {
		return
	}
	r.mu.Lock()
	delete(r.regs, p)
	r.mu.Unlock()
}

func (r *registry) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.regs)
}

func (r *registry) expire(now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for p, reg := range r.regs {
		if now.After(reg.expires) {
			delete(r.regs, p)
		}
	}
}

func (r *registry) handle(_ context.Context, from peer.ID, req []byte) ([]byte, error) {
	var m rendezvous.RegistryRequest
	if err := proto.Unmarshal(req, &m); err != nil {
		return nil, fmt.Errorf("registry request: %w", err)
	}
	var resp *rendezvous.RegistryResponse
	switch op := m.GetOp().(type) {
	case *rendezvous.RegistryRequest_Register:
		resp = &rendezvous.RegistryResponse{Status: r.register(from, op.Register)}
	case *rendezvous.RegistryRequest_Lookup:
		resp = r.lookup(op.Lookup)
	default:
		resp = &rendezvous.RegistryResponse{Status: rendezvous.Status_STATUS_BAD_REQUEST}
	}
	r.metrics.status("registry", resp.GetStatus())
	return proto.Marshal(resp)
}

// register verifies that the record is signed by the transport peer and is
// about it, then stores its addresses.
func (r *registry) register(from peer.ID, m *rendezvous.Register) rendezvous.Status {
	if len(m.GetSignedRecord()) > rendezvous.MaxRecordBytes {
		return rendezvous.Status_STATUS_TOO_LARGE
	}
	env, rec, err := record.ConsumeEnvelope(m.GetSignedRecord(), peer.PeerRecordEnvelopeDomain)
	if err != nil {
		return rendezvous.Status_STATUS_BAD_REQUEST
	}
	pr, ok := rec.(*peer.PeerRecord)
	if !ok || pr.PeerID != from || !signedBy(env.PublicKey, from) {
		return rendezvous.Status_STATUS_DENIED
	}
	ttl := time.Duration(m.GetTtlSeconds()) * time.Second
	if ttl <= 0 || ttl > r.maxTTL {
		ttl = r.maxTTL
	}
	addrs := make([][]byte, 0, len(pr.Addrs))
	for _, a := range pr.Addrs {
		addrs = append(addrs, a.Bytes())
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.regs[from]; ok && pr.Seq < old.seq {
		return rendezvous.Status_STATUS_BAD_REQUEST // an older record replayed
	}
	r.regs[from] = registration{addrs: addrs, seq: pr.Seq, expires: r.now().Add(ttl)}
	return rendezvous.Status_STATUS_OK
}

func signedBy(k crypto.PubKey, p peer.ID) bool {
	id, err := peer.IDFromPublicKey(k)
	return err == nil && id == p
}

func (r *registry) lookup(m *rendezvous.Lookup) *rendezvous.RegistryResponse {
	ids := m.GetPeerIds()
	if len(ids) > rendezvous.MaxLookupIDs {
		return &rendezvous.RegistryResponse{Status: rendezvous.Status_STATUS_TOO_LARGE}
	}
	peers := make([]peer.ID, len(ids))
	for i, raw := range ids {
		p, err := peer.IDFromBytes(raw)
		if err != nil {
			return &rendezvous.RegistryResponse{Status: rendezvous.Status_STATUS_BAD_REQUEST}
		}
		peers[i] = p
	}
	// Copy what we need under the lock; ask the swarm without holding it.
	now := r.now()
	regs := make([]*registration, len(peers))
	r.mu.Lock()
	h := r.h
	for i, p := range peers {
		if reg, ok := r.regs[p]; ok && now.Before(reg.expires) {
			regs[i] = &reg
		}
	}
	r.mu.Unlock()
	resp := &rendezvous.RegistryResponse{Presences: make([]*rendezvous.PresenceInfo, len(peers))}
	for i, p := range peers {
		info := &rendezvous.PresenceInfo{PeerId: ids[i]}
		if regs[i] != nil && h != nil && h.Network().Connectedness(p) == network.Connected {
			info.Online, info.Addrs = true, regs[i].addrs
		}
		resp.Presences[i] = info
	}
	return resp
}
