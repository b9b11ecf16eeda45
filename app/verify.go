package app

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/parley-chat/parley/app/e2e"
	"github.com/parley-chat/parley/vault"
)

// inPacket is one received packet, decoded before the ingest transaction.
type inPacket struct {
	raw []byte
	// digest names the packet in the seen set (seenDigest of raw).
	digest string
	p      Packet
	err    error // from decoding raw
	// sender is who an envelope claims to be from and senderKey the key it
	// carries (senderCache.sender; not yet verified), or senderErr why that could
	// not be read.
	sender    PeerID
	senderKey ed25519.PublicKey
	senderErr error
	// chk is the packet's envelope with its signature verified, or nil:
	// not an envelope, not from a friend, or a bad signature (the ordinary
	// path in the transaction then verifies or refuses as before).
	chk *e2e.Checked
	// verify marks an envelope whose signature prepare checks: its claimed
	// sender is the stream's peer (or it came from a mailbox), if a friend.
	verify bool
	// forged is set when the signature was checked here and is wrong: the
	// transaction refuses the envelope without checking it a second time.
	forged bool
}

// prepare decodes packets, computes their seen digests and verifies the
// signatures of friends' envelopes before the ingest transaction, on up to
// GOMAXPROCS goroutines (a 64 KiB packet's digest is ≈ 45 µs of SHA-256).
// Ed25519 verification is most of the CPU a message costs its receiver;
// inside the transaction it would run on one core, in series, while the
// transaction holds the vault's commit queue. Only envelopes whose claimed
// sender is a friend (and, on a direct stream, the peer at the other end)
// are verified here, so a stranger's packets cost no more than before.
func (c *Client) prepare(from PeerID, packets [][]byte) []inPacket {
	in := make([]inPacket, len(packets))
	toVerify := 0
	friends := make(map[PeerID]bool)
	var peek senderCache
	for i, raw := range packets {
		in[i].raw = raw
		if in[i].err = decodePacket(raw, &in[i].p); in[i].err != nil {
			continue
		}
		b, ok := in[i].p.Body.(*Packet_Envelope)
		if !ok {
			continue
		}
		in[i].sender, in[i].senderKey, in[i].senderErr = peek.sender(b.Envelope) // an empty envelope: an error
		if in[i].senderErr != nil || (from != "" && from != in[i].sender) {
			continue
		}
		friends[in[i].sender] = false
		in[i].verify = true
		toVerify++
	}
	if toVerify > 0 {
		_ = c.v.View(func(tx *vault.Tx) error {
			for p := range friends {
				vc, err := tx.GetContact(string(p))
				friends[p] = err == nil && (vc.State == string(StateFriend) || vc.State == string(StateKeyChanged))
			}
			return nil
		})
	}
	verifiers := friendVerifiers(in, friends)
	// Every packet's digest, and the friends' signatures, on all cores.
	parallel(len(in), func(i int) {
		in[i].digest = seenDigest(in[i].raw)
		v := verifiers[in[i].sender]
		if !in[i].verify || v == nil {
			return
		}
		if chk, err := v.VerifyMessage(in[i].p.GetEnvelope()); err == nil {
			in[i].chk = &chk
		} else {
			in[i].forged = true
		}
	})
	return in
}

// friendVerifiers returns a signature verifier for each friend that in has
// envelopes to verify from (friends[p] is true), made from the key the
// first of them carries: the friend's key is decoded once per batch, not
// once per envelope. A peer ID names exactly one key (senderCache.sender derives
// the one from the other), so every envelope of that sender carries it.
func friendVerifiers(in []inPacket, friends map[PeerID]bool) map[PeerID]*e2e.Verifier {
	vs := make(map[PeerID]*e2e.Verifier)
	for i := range in {
		if p := in[i].sender; in[i].verify && friends[p] && vs[p] == nil {
			vs[p] = e2e.NewVerifier(in[i].senderKey)
		}
	}
	return vs
}

// seenDigest names a packet in the seen set: the first 16 bytes of its
// SHA-256, in hex.
func seenDigest(raw []byte) string {
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:16])
}

// parallel calls fn(0) … fn(n-1) on up to GOMAXPROCS goroutines and
// returns when all have returned: for signing and verifying many envelopes
// (CPU-bound, independent).
func parallel(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				fn(i)
			}
		})
	}
	wg.Wait()
}
