package app

import (
	"context"
	"fmt"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"google.golang.org/protobuf/proto"

	"github.com/parley-chat/parley/p2p"
)

// Bounds of the /parley/msg/1 protocol.
const (
	// maxBatchPackets bounds the packets of one Batch frame.
	maxBatchPackets = 512
	// maxBatchBytes bounds one Batch frame: a few full-size envelopes or
	// hundreds of small ones.
	maxBatchBytes = 2 << 20
	// maxAckBytes bounds a BatchAck frame.
	maxAckBytes = 4 << 10
)

// serveMsg registers the direct message protocol on the host.
func (c *Client) serveMsg() {
	p2p.Serve(c.host, p2p.ProtoMsg, c.onBatch, p2p.Limits{
		MaxRequest:  maxBatchBytes,
		MaxResponse: maxAckBytes,
		Logger:      c.log,
		OnBadFrame:  func(protocol.ID, string) { c.peers.countDrop() },
	})
}

// onBatch handles one Batch frame from a peer: every packet is processed in
// one vault transaction and the BatchAck is written only after it
// committed. A stranger's envelopes are refused; friend requests and
// accepts are taken from anyone (rate-limited).
func (c *Client) onBatch(ctx context.Context, from peer.ID, req []byte) ([]byte, error) {
	if err := c.enter(); err != nil {
		return nil, err
	}
	defer c.leave()
	packets, err := decodeBatch(req) // the packets alias req
	if err != nil {
		c.dropped("malformed batch", peerOfID(from), err)
		return nil, err
	}
	if len(packets) > maxBatchPackets {
		c.dropped("batch too large", peerOfID(from), nil)
		return nil, fmt.Errorf("batch of %d packets", len(packets))
	}
	verdicts, err := c.ingest(from, packets)
	if err != nil {
		c.log.Warn("commit batch", "peer", from, "err", err)
	}
	return proto.Marshal(&BatchAck{Verdicts: verdicts})
}
