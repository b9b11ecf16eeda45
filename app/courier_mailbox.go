package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/parley-chat/parley/vault"
)

// lookup asks the peer's home nodes whether it is online (for peers the
// presence loop does not watch yet: a friend request, an accept) and
// records its addresses; true if online.
func (k *courier) lookup(ctx context.Context, ci cardInfo) bool {
	nodes, _ := parseNodes(ci.Nodes)
	for _, ai := range nodes {
		cctx, cancel := context.WithTimeout(ctx, k.c.cfg.Timing.Call)
		res, err := k.c.nodes.client(ai).Lookup(cctx, []peer.ID{k.peer.libp2p()})
		cancel()
		if err == nil && selfHosted(ai, k.peer) {
			return true // the peer's own embedded node answered: it runs
		}
		if err != nil || len(res) != 1 || !res[0].Online {
			continue
		}
		k.c.host.Peerstore().AddAddrs(res[0].ID, res[0].Addrs, 2*k.c.cfg.Timing.Presence+time.Minute)
		return true
	}
	return false
}

// mailbox deposits items into the peer's home node mailbox, in order,
// committing in groups. It returns how many leading items were deposited.
func (k *courier) mailbox(ctx context.Context, ci cardInfo, items []vault.Outbox) (int, error) {
	if len(items) == 0 {
		return 0, nil
	}
	nodes, err := parseNodes(ci.Nodes)
	if err != nil || len(nodes) == 0 {
		return 0, fmt.Errorf("peer unreachable and has no usable home node: %w", err)
	}
	done, committed := 0, 0
	var putErr error
	for _, it := range items {
		if putErr = k.put(ctx, nodes, it.Payload); putErr != nil {
			break
		}
		done++
		if done-committed == 64 {
			if err := k.commitMailbox(items[committed:done]); err != nil {
				return committed, err
			}
			committed = done
		}
	}
	if err := k.commitMailbox(items[committed:done]); err != nil {
		return committed, err
	}
	return done, putErr
}

func (k *courier) commitMailbox(items []vault.Outbox) error {
	evs, err := k.complete(items, StatusMailbox)
	k.c.emitAll(evs)
	return err
}

// put deposits one packet on the first node that takes it.
func (k *courier) put(ctx context.Context, nodes []peer.AddrInfo, payload []byte) error {
	var errs []error
	for _, ai := range nodes {
		k.c.clearDialBackoff(ai.ID)
		cctx, cancel := context.WithTimeout(ctx, k.c.cfg.Timing.Call)
		err := k.c.nodes.client(ai).Put(cctx, k.peer.libp2p(), payload)
		cancel()
		if err == nil {
			return nil
		}
		errs = append(errs, err)
	}
	return fmt.Errorf("mailbox put: %w", errors.Join(errs...))
}
