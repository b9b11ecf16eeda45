package p2p

import (
	"context"
	"fmt"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/protocol/circuitv2/client"
)

// ReserveRelay reserves a slot on relay for h, so that peers can reach h at
// <relay addr>/p2p/<relay>/p2p-circuit/p2p/<h>. The reservation expires
// (see the returned Expiration); call again to refresh. Streams over a
// relayed connection need network.WithAllowLimitedConn on the context.
func ReserveRelay(ctx context.Context, h host.Host, relay peer.AddrInfo) (*client.Reservation, error) {
	r, err := client.Reserve(ctx, h, relay)
	if err != nil {
		return nil, fmt.Errorf("reserve relay slot on %s: %w", relay.ID, err)
	}
	return r, nil
}
