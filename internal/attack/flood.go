package attack

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/parley-chat/parley/rendezvous"
)

// FloodResult counts the node's answers to a flood.
type FloodResult struct {
	OK, RateLimited, Quota, Other int
}

// PutFlood deposits envelope into to's inbox on node from peers fresh peer
// IDs (each a new host on fromIP, see [NewHostFrom], used for perPeer PUTs
// and closed), workers at a time, as fast as the node answers. Refused
// connections count as Other.
func PutFlood(ctx context.Context, node peer.AddrInfo, fromIP string, to peer.ID, envelope []byte, peers, perPeer, workers int) (FloodResult, error) {
	var (
		mu  sync.Mutex
		res FloodResult
		wg  sync.WaitGroup
	)
	jobs := make(chan struct{})
	var firstErr error
	for range workers {
		wg.Go(func() {
			for range jobs {
				r, err := putFrom(ctx, node, fromIP, to, envelope, perPeer)
				mu.Lock()
				res.OK += r.OK
				res.RateLimited += r.RateLimited
				res.Quota += r.Quota
				res.Other += r.Other
				if err != nil && firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		})
	}
	for range peers {
		if ctx.Err() != nil {
			break
		}
		jobs <- struct{}{}
	}
	close(jobs)
	wg.Wait()
	return res, firstErr
}

// putFrom makes one fresh identity and PUTs n envelopes with it.
func putFrom(ctx context.Context, node peer.AddrInfo, fromIP string, to peer.ID, envelope []byte, n int) (FloodResult, error) {
	var r FloodResult
	h, err := NewHostFrom(ctx, fromIP)
	if err != nil {
		return r, err
	}
	defer h.Close()
	h.Peerstore().AddAddrs(node.ID, node.Addrs, time.Hour)
	c := rendezvous.NewClient(h, node, nil)
	defer c.Close()
	for range n {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := c.Put(cctx, to, envelope)
		cancel()
		switch {
		case err == nil:
			r.OK++
		case errors.Is(err, rendezvous.ErrRateLimited):
			r.RateLimited++
		case errors.Is(err, rendezvous.ErrQuota):
			r.Quota++
		default:
			r.Other++
		}
	}
	return r, nil
}
