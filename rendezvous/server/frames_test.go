package server

import (
	"encoding/binary"
	"io"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/parley-chat/parley/p2p"
)

// sendRaw writes raw bytes on a fresh stream (closing its write side if
// closeWrite) and reports whether the node reset the stream.
func sendRaw(t *testing.T, h host.Host, n *testNode, id protocol.ID, raw []byte, closeWrite bool) (reset bool, lived time.Duration) {
	t.Helper()
	h.Peerstore().AddAddrs(n.host.ID(), n.host.Addrs(), time.Hour)
	s, err := h.NewStream(t.Context(), n.host.ID(), id)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Reset()
	_ = s.SetDeadline(time.Now().Add(10 * time.Second))
	start := time.Now()
	if _, err := s.Write(raw); err != nil {
		return true, time.Since(start) // the node reset the stream mid-write
	}
	if closeWrite {
		_ = s.CloseWrite()
	}
	_, err = io.ReadAll(s)
	return err != nil, time.Since(start)
}

// TestBadFramesEveryProtocol: on every node protocol, frames that lie about
// their length (4 GiB), exceed the limit, are cut short, carry garbage or
// never finish (slow loris) are reset — and a well-behaved client is served
// between each of them.
func TestBadFramesEveryProtocol(t *testing.T) {
	reg := prometheus.NewRegistry()
	n := startNode(t, Config{Registerer: reg, FrameTimeout: 300 * time.Millisecond, MaxEnvelopeBytes: 1024})
	_, attacker := newClient(t, n)
	good, gh := newClient(t, n)
	cases := []struct {
		name       string
		raw        []byte
		closeWrite bool
	}{
		{"claims 4 GiB", binary.AppendUvarint(nil, 4<<30), false},
		{"oversized", append(binary.AppendUvarint(nil, 1<<20), make([]byte, 1<<20)...), false},
		{"truncated", append(binary.AppendUvarint(nil, 100), 1, 2, 3), true},
		{"garbage protobuf", append(binary.AppendUvarint(nil, 4), 0xff, 0xff, 0xff, 0xff), false},
		{"slow loris", append(binary.AppendUvarint(nil, 100), 1, 2, 3), false},
	}
	for _, id := range []protocol.ID{p2p.ProtoRegistry, p2p.ProtoDirectory, p2p.ProtoMailbox} {
		for _, c := range cases {
			t.Run(string(id)+"/"+c.name, func(t *testing.T) {
				reset, lived := sendRaw(t, attacker, n, id, c.raw, c.closeWrite)
				if !reset {
					t.Errorf("stream not reset")
				}
				if lived > 3*time.Second {
					t.Errorf("bad stream lived %v, want it cut within the 300ms frame timeout", lived)
				}
				if err := good.Put(t.Context(), gh.ID(), []byte("still served")); err != nil {
					t.Errorf("good client after attack: %v", err)
				}
			})
		}
	}
	if got := metricSum(t, reg, "parley_node_bad_streams_total"); got < float64(3*len(cases)) {
		t.Errorf("bad streams counted in metrics = %v, want ≥ %d", got, 3*len(cases))
	}
}

// metricSum adds up every series of the named counter in reg.
func metricSum(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return sum
}
