package server

import (
	"errors"
	"strings"

	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/parley-chat/parley/rendezvous"
)

// metrics are the node's Prometheus metrics. They count, never record
// contents or identities.
type metrics struct {
	ops       *prometheus.CounterVec // op = put|fetch|ack
	acks      prometheus.Counter     // envelopes deleted by ACK
	rejected  *prometheus.CounterVec // proto, reason
	badFrames *prometheus.CounterVec // proto, reason
	batches   prometheus.Histogram   // ops per group commit
}

func newMetrics() *metrics {
	return &metrics{
		ops: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_node_mailbox_requests_total", Help: "Mailbox requests by operation.",
		}, []string{"op"}),
		acks: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parley_node_envelopes_acked_total", Help: "Envelopes deleted by their recipient's ACK.",
		}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_node_rejections_total", Help: "Requests refused, by protocol and reason.",
		}, []string{"proto", "reason"}),
		badFrames: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_node_bad_streams_total", Help: "Streams reset for bad frames, timeouts or malformed requests.",
		}, []string{"proto", "reason"}),
		batches: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "parley_node_commit_batch_ops", Help: "Writes per synced group commit.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 11),
		}),
	}
}

// register adds the metrics and gauges over s's live state to r (if any).
func (m *metrics) register(r prometheus.Registerer, s *Server) error {
	if r == nil {
		return nil
	}
	gauge := func(name, help string, f func() float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f)
	}
	cs := []prometheus.Collector{
		m.ops, m.acks, m.rejected, m.badFrames, m.batches,
		gauge("parley_node_connected_peers", "Peers with an open connection.", func() float64 {
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.h == nil {
				return 0
			}
			return float64(len(s.h.Network().Peers()))
		}),
		gauge("parley_node_registered_peers", "Peers registered (present).", func() float64 { return float64(s.reg.count()) }),
		gauge("parley_node_envelopes_stored", "Envelopes waiting in mailboxes.", func() float64 { return float64(s.mbox.stored().count) }),
		gauge("parley_node_bytes_stored", "Envelope bytes waiting in mailboxes.", func() float64 { return float64(s.mbox.stored().bytes) }),
	}
	var errs []error
	for _, c := range cs {
		errs = append(errs, r.Register(c))
	}
	return errors.Join(errs...)
}

func (m *metrics) op(name string) { m.ops.WithLabelValues(name).Inc() }

func (m *metrics) acked(n int) { m.acks.Add(float64(n)) }

func (m *metrics) batch(n int) { m.batches.Observe(float64(n)) }

// status counts a refusal (anything but OK) by protocol and reason.
func (m *metrics) status(proto string, s rendezvous.Status) {
	if s == rendezvous.Status_STATUS_OK {
		return
	}
	reason := strings.ToLower(strings.TrimPrefix(s.String(), "STATUS_"))
	m.rejected.WithLabelValues(proto, reason).Inc()
}

func (m *metrics) badFrame(p protocol.ID, reason string) {
	m.badFrames.WithLabelValues(string(p), reason).Inc()
}
