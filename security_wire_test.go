package main

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"google.golang.org/protobuf/proto"

	"github.com/parley-chat/parley/app/e2e"
	"github.com/parley-chat/parley/internal/attack"
	"github.com/parley-chat/parley/p2p"
	"github.com/parley-chat/parley/rendezvous"
	"github.com/parley-chat/parley/vault"
)

// TestClientHostileFrames (issue 6, item 5 on /parley/msg/1): a stranger,
// and then a friend's own identity (alice's key, as a compromised device
// would hold it), send bob length-lying (4 GiB, 2^63), bad-varint,
// truncated and garbage frames and a slow-loris frame on the direct message
// protocol. Every stream is reset (the slow loris by the 10 s read
// deadline), bob stays up, stores nothing, and the real alice and bob go on
// talking afterwards.
func TestClientHostileFrames(t *testing.T) {
	w := newWorld(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	bobAddr := lookupAddrs(ctx, t, w.node.info(t), mustDecode(t, w.bobID))

	stranger, err := attack.NewHostFrom(ctx, attackerIP)
	if err != nil {
		t.Fatal(err)
	}
	defer stranger.Close()
	hostileFrames(ctx, t, "stranger", stranger, bobAddr)

	w.alice.quit()
	impostor, err := p2p.NewHost(ctx, p2p.Config{Identity: identityOf(t, w.aliceDir), ListenAddrs: []string{"/ip4/" + attackerIP + "/tcp/0"}})
	if err != nil {
		t.Fatal(err)
	}
	if impostor.ID().String() != w.aliceID {
		t.Fatalf("impostor is %s, want alice's peer ID %s", impostor.ID(), w.aliceID)
	}
	lorisDone := make(chan time.Duration, 1)
	go func() {
		lived, err := attack.SlowLoris(ctx, impostor, bobAddr, p2p.ProtoMsg, 200*time.Millisecond)
		if err != nil {
			lived = -1
		}
		lorisDone <- lived
	}()
	hostileFrames(ctx, t, "alice's key", impostor, bobAddr)
	if lived := <-lorisDone; lived < 0 || lived > 20*time.Second {
		t.Errorf("slow loris with alice's key: lived %v, want cut by the read deadline", lived)
	} else {
		t.Logf("slow loris with alice's key cut after %v", lived.Round(time.Millisecond))
	}
	_ = impostor.Close()

	w.alice = startClient(t, w.bin, w.aliceDir, "alice")
	exchange(t, w.alice, w.bob, w.aliceID, w.bobID, "after the hostile frames")
	exchange(t, w.bob, w.alice, w.bobID, w.aliceID, "still here")
	if n := len(historyOf(w.bob, w.aliceID, 50)); n != 4 {
		t.Errorf("bob's history with alice has %d messages, want 4", n)
	}
}

// hostileFrames sends each hostile frame on its own /parley/msg/1 stream
// and wants each reset at once.
func hostileFrames(ctx context.Context, t *testing.T, who string, h host.Host, target peer.AddrInfo) {
	t.Helper()
	for _, c := range []struct {
		name       string
		raw        []byte
		closeWrite bool
	}{
		{"claims 4 GiB", attack.LyingLength(4 << 30), false},
		{"claims 2^63", attack.LyingLength(1 << 63), false},
		{"bad varint", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, false},
		{"truncated", append(attack.LyingLength(100), 1, 2, 3), true},
		{"garbage batch", attack.Frame([]byte{0xff, 0xff, 0xff, 0xff}), true},
		{"empty", nil, true},
	} {
		cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		out, err := attack.Raw(cctx, h, target, p2p.ProtoMsg, c.raw, c.closeWrite)
		cancel()
		if err != nil || (!out.Reset && len(out.Reply) > 0 && c.name != "empty") || out.Lived > 5*time.Second {
			t.Errorf("%s, %s: reset %v, reply %d bytes, after %v (%v); want reset at once", who, c.name, out.Reset, len(out.Reply), out.Lived, err)
		}
	}
}

// TestMailboxReplayedFetchAck (issue 6, item 9, over the wire): mallory
// sends bob's captured FETCH and ACK frames (the same bytes, with the IDs
// of bob's envelopes) on her own authenticated connection to the node
// process: she gets her own empty inbox and deletes nothing; bob still
// fetches all his envelopes. (A capture on the network itself is useless:
// every connection is Noise-encrypted and bound to the peer's key.)
func TestMailboxReplayedFetchAck(t *testing.T) {
	bin := sharedBinary(t)
	np := startNodeProc(t, bin, filepath.Join(t.TempDir(), "node"), 1, "--listen", "/ip4/127.0.0.1/tcp/0")
	node := np.info(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	bob, sender := newTestHost(t), newTestHost(t)
	put := rendezvous.NewClient(sender, node, nil)
	for _, env := range []string{"one", "two", "three"} {
		if err := put.Put(ctx, bob.ID(), []byte(env)); err != nil {
			t.Fatal(err)
		}
	}
	bc := rendezvous.NewClient(bob, node, nil)
	items, err := bc.Fetch(ctx, 10)
	if err != nil || len(items) != 3 {
		t.Fatalf("bob's fetch: %d items, %v", len(items), err)
	}
	var ids []string
	for _, it := range items {
		ids = append(ids, it.ID)
	}
	fetch, _ := proto.Marshal(&rendezvous.MailboxRequest{Op: &rendezvous.MailboxRequest_Fetch{Fetch: &rendezvous.Fetch{Max: 10}}})
	ack, _ := proto.Marshal(&rendezvous.MailboxRequest{Op: &rendezvous.MailboxRequest_Ack{Ack: &rendezvous.Ack{Ids: ids}}})

	mallory, err := attack.NewHostFrom(ctx, attackerIP)
	if err != nil {
		t.Fatal(err)
	}
	defer mallory.Close()
	for name, req := range map[string][]byte{"fetch": fetch, "ack": ack} {
		out, err := attack.Raw(ctx, mallory, node, p2p.ProtoMailbox, attack.Frame(req), true)
		if err != nil {
			t.Fatalf("replayed %s: %v", name, err)
		}
		var resp rendezvous.MailboxResponse
		if body, err := p2p.ReadFrame(bytes.NewReader(out.Reply), 0); err == nil {
			_ = proto.Unmarshal(body, &resp)
		}
		if len(resp.GetItems()) > 0 {
			t.Errorf("replayed %s gave mallory %d of bob's envelopes", name, len(resp.GetItems()))
		}
		t.Logf("replayed %s: status %v, %d items", name, resp.GetStatus(), len(resp.GetItems()))
	}
	again, err := bc.Fetch(ctx, 10)
	if err != nil || len(again) != 3 {
		t.Errorf("bob's fetch after mallory's replayed ack: %d items, %v; want all 3", len(again), err)
	}
}

// lookupAddrs asks the node for who's addresses (it must be online).
func lookupAddrs(ctx context.Context, t *testing.T, node peer.AddrInfo, who peer.ID) peer.AddrInfo {
	t.Helper()
	h := newTestHost(t)
	rc := rendezvous.NewClient(h, node, nil)
	defer rc.Close()
	res, err := rc.Lookup(ctx, []peer.ID{who})
	if err != nil || len(res) != 1 || !res[0].Online || len(res[0].Addrs) == 0 {
		t.Fatalf("lookup %s: %+v, %v", who, res, err)
	}
	return peer.AddrInfo{ID: who, Addrs: res[0].Addrs}
}

// identityOf reads the Ed25519 identity key out of a (closed) profile.
func identityOf(t *testing.T, dir string) []byte {
	t.Helper()
	v, err := vault.Open(filepath.Join(dir, "vault"), []byte(e2ePass), vault.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	var blob []byte
	if err := v.View(func(tx *vault.Tx) error {
		p, err := tx.GetProfile()
		blob = p.IdentityKey
		return err
	}); err != nil {
		t.Fatal(err)
	}
	k, err := e2e.UnmarshalIdentity(blob)
	if err != nil {
		t.Fatal(err)
	}
	return k.Ed25519()
}
