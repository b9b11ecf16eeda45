package app

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/parley-chat/parley/p2p"
	"github.com/parley-chat/parley/vault"
)

// direct sends items over the persistent stream in frames of up to
// maxBatchPackets packets and commits the verdicts; it returns how many
// leading items were settled. The commit of one frame's verdicts runs
// while the next frame is on its way (at most one in flight), so that the
// friend's commit and ours overlap instead of alternating.
func (k *courier) direct(ctx context.Context, items []vault.Outbox) (int, error) {
	if k.stream == nil {
		k.stream = p2p.NewStream(k.c.host, k.peer.libp2p(), p2p.ProtoMsg, maxAckBytes)
	}
	k.c.clearDialBackoff(k.peer.libp2p())
	done, acked := 0, 0 // items settled; items acknowledged (settling: items[done:acked])
	var settling chan error
	wait := func() error {
		if settling == nil {
			return nil
		}
		err := <-settling
		settling = nil
		if err == nil {
			done = acked
		}
		return err
	}
	for acked < len(items) {
		n := batchSize(items[acked:])
		verdicts, err := k.roundTrip(ctx, items[acked:acked+n])
		if err != nil {
			return done, errors.Join(err, wait())
		}
		ok := k.acknowledged(items[acked:acked+n], verdicts)
		if err := wait(); err != nil {
			return done, err
		}
		batch := items[acked : acked+ok]
		acked += ok
		settling = make(chan error, 1)
		go func() {
			_, err := k.complete(batch, StatusDelivered)
			settling <- err
		}()
		if ok < n {
			return done, errors.Join(fmt.Errorf("peer answered %s", verdicts[ok]), wait())
		}
	}
	return done, wait()
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
	cctx, cancel := context.WithTimeout(ctx, k.c.cfg.Timing.Call)
	defer cancel()
	resp, _, err := k.stream.RoundTripMsg(cctx, b)
	if err != nil {
		return nil, err
	}
	var ack BatchAck
	if err := proto.Unmarshal(resp, &ack); err != nil || len(ack.Verdicts) != len(items) {
		return nil, fmt.Errorf("bad batch ack (%d verdicts for %d packets): %v", len(ack.Verdicts), len(items), err)
	}
	return ack.Verdicts, nil
}

// acknowledged returns how many leading items the peer committed and
// emits their Delivered events. The events go out before our own commit
// of the status: the friend's vault holds the messages already, and if we
// crash first, the items are sent again and the friend drops them as
// duplicates.
func (k *courier) acknowledged(items []vault.Outbox, verdicts []Verdict) int {
	n := 0
	for n < len(items) && verdicts[n] == Verdict_VERDICT_OK {
		n++
	}
	for _, it := range items[:n] {
		if it.Kind == kindText {
			k.c.hub.emit(MessageStatusChanged{ID: MsgID(it.ID), To: PeerID(it.To), Status: StatusDelivered})
		}
	}
	return n
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
			// it is the item as queued: its key and its message's are known
			// without reading the index entries (one read each per message).
			if err := tx.RemoveOutbox(it); err != nil {
				return err
			}
			if it.Kind != kindText {
				continue
			}
			changed := false
			err := tx.UpdateStatusAt(it.To, it.ID, it.CreatedAt, func(old string, _ bool) (string, bool) {
				// A receipt may have overtaken the mailbox path.
				changed = old != string(StatusDelivered) && old != string(status)
				return string(status), changed
			})
			if err != nil {
				continue // deleted meanwhile, or unreadable: the item is settled all the same
			}
			if changed {
				evs = append(evs, MessageStatusChanged{ID: MsgID(it.ID), To: PeerID(it.To), Status: status})
			}
		}
		return nil
	})
	return evs, err
}
