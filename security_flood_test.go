package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/parley-chat/parley/internal/attack"
	"github.com/parley-chat/parley/p2p"
)

// attackerIP is where hostile hosts dial from: loopback, but another
// address than the honest clients' 127.0.0.1, as a flood from the Internet
// would be (127.0.0.1 where the system does not route 127.0.0.2).
var attackerIP = func() string {
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		return "127.0.0.1"
	}
	ln.Close()
	return "127.0.0.2"
}()

// TestMailboxFloodOverTheWire (issue 6, item 10): against the real node
// process, one peer deposits into bob's inbox as fast as it can while 1,000
// fresh peer IDs (one new libp2p identity each) deposit too. The per-sender
// bucket (burst 100, 20/s), the per-IP bucket (burst 1,000, 200/s) and the
// node's per-IP connection rate hold; the node's memory stays bounded; alice
// (an honest client on another address) deposits her messages for bob
// during the flood, and bob later gets exactly those and nothing of the junk.
func TestMailboxFloodOverTheWire(t *testing.T) {
	w := newWorld(t)
	w.bob.quit()
	node, bob := w.node.info(t), peer.ID(mustDecode(t, w.bobID))
	rss0 := rssKiB(t, w.node.cmd.Process.Pid)
	junk := make([]byte, 1024)
	rand.Read(junk)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	start := time.Now()
	var (
		one, many       attack.FloodResult
		oneErr, manyErr error
		oneTook         time.Duration
		wg              sync.WaitGroup
	)
	wg.Go(func() {
		one, oneErr = attack.PutFlood(ctx, node, attackerIP, bob, junk, 1, 400, 1)
		oneTook = time.Since(start)
	})
	wg.Go(func() { many, manyErr = attack.PutFlood(ctx, node, attackerIP, bob, junk, pick(1000, 1000), 1, 16) })
	for i := range 5 {
		w.alice.ok("send", map[string]any{"to": w.bobID, "text": fmt.Sprintf("through the flood %d", i)})
	}
	waitMailboxed(t, w.alice, w.bobID, 5)
	legit := time.Since(start)
	wg.Wait()
	elapsed := time.Since(start)
	if oneErr != nil || manyErr != nil {
		t.Fatalf("flood: %v / %v", oneErr, manyErr)
	}
	rss1 := rssKiB(t, w.node.cmd.Process.Pid)
	t.Logf("single peer: %+v; 1,000 fresh IDs: %+v; %v; alice's 5 deposits done after %v; node RSS %d → %d MiB",
		one, many, elapsed.Round(time.Millisecond), legit.Round(time.Millisecond), rss0>>10, rss1>>10)
	// The sender bucket: burst 100, then 20/s (a slow run, e.g. under
	// -race, may stay under it and see no refusal).
	if max := 100 + int(20*oneTook.Seconds()) + 20; one.OK > max || (max < 400 && one.RateLimited == 0) {
		t.Errorf("single flooder stored %d in %v (rate-limited %d), want ≤ %d", one.OK, oneTook, one.RateLimited, max)
	}
	if max := 1000 + int(200*elapsed.Seconds()); one.OK+many.OK > max {
		t.Errorf("flood from one IP stored %d, want ≤ %d (per-IP bucket)", one.OK+many.OK, max)
	}
	if grew := rss1 - rss0; grew > 256<<10 {
		t.Errorf("node RSS grew by %d MiB during the flood", grew>>10)
	}
	w.bob = startClient(t, w.bin, w.bobDir, "bob")
	sent := waitAllDelivered(t, w.alice, w.bobID, 50, time.Minute)
	assertExactlyOnce(t, sent, historyOf(w.bob, w.aliceID, 50), w.aliceID)
	if reqs := w.bob.ok("requests", nil).([]any); len(reqs) != 0 {
		t.Errorf("junk became %d friend requests", len(reqs))
	}
	if cs := w.bob.ok("contacts", nil).([]any); len(cs) != 1 {
		t.Errorf("bob has %d contacts after the flood, want 1 (alice)", len(cs))
	}
}

// TestSlowLorisAndLyingFrames (issue 6, items 5 and 11): against the real
// node process, slow-loris streams on every node protocol are cut by the
// frame deadline (10 s), and frames claiming 4 GiB, cut short or carrying
// garbage are reset at once; one attacker's stream flood is bounded. All
// the while alice and bob exchange messages and an honest host deposits.
func TestSlowLorisAndLyingFrames(t *testing.T) {
	w := newWorld(t)
	node := w.node.info(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	protos := []protocol.ID{p2p.ProtoMailbox, p2p.ProtoRegistry, p2p.ProtoDirectory}

	type loris struct {
		proto protocol.ID
		lived time.Duration
		err   error
	}
	results := make(chan loris, 3*len(protos))
	var wg sync.WaitGroup
	for i := range 3 * len(protos) {
		wg.Go(func() {
			h, err := attack.NewHostFrom(ctx, attackerIP)
			if err != nil {
				results <- loris{err: err}
				return
			}
			defer h.Close()
			p := protos[i%len(protos)]
			lived, err := attack.SlowLoris(ctx, h, node, p, 200*time.Millisecond)
			results <- loris{p, lived, err}
		})
	}
	// Lying, short and garbage frames on every protocol, meanwhile.
	h, err := attack.NewHostFrom(ctx, attackerIP)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	for _, p := range protos {
		for name, raw := range map[string][]byte{
			"claims 4 GiB": attack.LyingLength(4 << 30),
			"claims 2^63":  attack.LyingLength(1 << 63),
			"bad varint":   {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
			"garbage":      attack.Frame([]byte{0xff, 0xff, 0xff}),
			"truncated":    append(attack.LyingLength(100), 1, 2, 3),
		} {
			out, err := attack.Raw(ctx, h, node, p, raw, name == "truncated")
			if err != nil || !out.Reset || out.Lived > 5*time.Second {
				t.Errorf("%s %s: reset %v after %v (%v), want reset at once", p, name, out.Reset, out.Lived, err)
			}
		}
	}
	// Friends are served during the attack: directly and through the node.
	honest, err := attack.NewHostFrom(ctx, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	defer honest.Close()
	for i := range 3 {
		exchange(t, w.alice, w.bob, w.aliceID, w.bobID, fmt.Sprintf("under attack %d", i))
		if r, err := attack.PutFlood(ctx, node, "127.0.0.1", honest.ID(), []byte("honest"), 1, 1, 1); err != nil || r.OK != 1 {
			t.Errorf("honest deposit during the attack: %+v, %v", r, err)
		}
	}
	wg.Wait()
	close(results)
	for r := range results {
		if r.err != nil {
			t.Errorf("slow loris on %s: %v (lived %v)", r.proto, r.err, r.lived)
		} else if r.lived > 20*time.Second {
			t.Errorf("slow loris on %s lived %v, want cut by the 10 s frame deadline", r.proto, r.lived)
		} else {
			t.Logf("slow loris on %s cut after %v", r.proto, r.lived.Round(time.Millisecond))
		}
	}
	waitReachable(t, w.alice, true)
}

func rssKiB(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	t.Fatalf("no VmRSS in /proc/%d/status", pid)
	return 0
}

func mustDecode(t *testing.T, s string) peer.ID {
	t.Helper()
	id, err := peer.Decode(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
