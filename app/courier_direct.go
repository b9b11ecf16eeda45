package app

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/parley-chat/parley/p2p"
	"github.com/parley-chat/parley/vault"
)

// direct sends items over the persistent stream in frames of up to
// maxBatchPackets packets and commits the verdicts; it returns how many
// leading items were settled.
func (k *courier) direct(ctx context.Context, items []vault.Outbox) (int, error) {
	if k.stream == nil {
		k.stream = p2p.NewStream(k.c.host, k.peer.libp2p(), p2p.ProtoMsg, maxAckBytes)
	}
	k.c.clearDialBackoff(k.peer.libp2p())
	done := 0
	for done < len(items) {
		n := batchSize(items[done:])
		verdicts, err := k.roundTrip(ctx, items[done:done+n])
		if err != nil {
			return done, err
		}
		settled, err := k.settle(items[done:done+n], verdicts)
		done += settled
		if err != nil || settled < n {
			return done, err
		}
	}
	return done, nil
}

// batchSize returns how many leading items fit in one frame.
func batchSize(items []vault.Outbox) int {
	size := 0
	for i, it := range items {
		size += len(it.Payload) + 8
		if i == maxBatchPackets || (i > 0 && size > maxBatchBytes-64<<10) {
			return i
		}
	}
	return len(items)
}

func (k *courier) roundTrip(ctx context.Context, items []vault.Outbox) ([]Verdict, error) {
	b := &Batch{Packets: make([][]byte, len(items))}
	for i, it := range items {
		b.Packets[i] = it.Payload
	}
	req, err := proto.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("marshal batch: %w", err)
	}
	cctx, cancel := context.WithTimeout(ctx, k.c.cfg.Timing.Call)
	defer cancel()
	resp, err := k.stream.RoundTrip(cctx, req)
	if err != nil {
		return nil, err
	}
	var ack BatchAck
	if err := proto.Unmarshal(resp, &ack); err != nil || len(ack.Verdicts) != len(items) {
		return nil, fmt.Errorf("bad batch ack (%d verdicts for %d packets): %v", len(ack.Verdicts), len(items), err)
	}
	return ack.Verdicts, nil
}

// settle removes the items the peer committed (status delivered) in one
// transaction. It stops at the first item not committed, so that order is
// kept; it returns how many leading items are settled. The Delivered
// events go out before that commit: the friend's vault holds the messages
// already, and if we crash first, the items are sent again and the friend
// drops them as duplicates.
func (k *courier) settle(items []vault.Outbox, verdicts []Verdict) (int, error) {
	n := 0
	for n < len(items) && verdicts[n] == Verdict_VERDICT_OK {
		n++
	}
	for _, it := range items[:n] {
		if it.Kind == kindText {
			k.c.hub.emit(MessageStatusChanged{ID: MsgID(it.ID), To: PeerID(it.To), Status: StatusDelivered})
		}
	}
	if _, err := k.complete(items[:n], StatusDelivered); err != nil {
		return 0, err
	}
	if n < len(items) {
		return n, fmt.Errorf("peer answered %s", verdicts[n])
	}
	return n, nil
}

// complete deletes items from the outbox and moves their messages to
// status, in one transaction; it returns the events to emit.
func (k *courier) complete(items []vault.Outbox, status MessageStatus) ([]Event, error) {
	if len(items) == 0 {
		return nil, nil
	}
	var evs []Event
	err := k.c.v.Update(func(tx *vault.Tx) error {
		evs = evs[:0]
		for _, it := range items {
			if err := tx.DeleteOutbox(it.ID); err != nil {
				return err
			}
			if it.Kind != kindText {
				continue
			}
			m, err := tx.GetMessage(it.To, it.ID)
			if err != nil || m.Status == string(StatusDelivered) {
				continue // a receipt may have overtaken the mailbox path
			}
			if err := tx.SetMessageStatus(it.To, it.ID, string(status)); err != nil {
				return err
			}
			evs = append(evs, MessageStatusChanged{ID: MsgID(it.ID), To: PeerID(it.To), Status: status})
		}
		return nil
	})
	return evs, err
}
