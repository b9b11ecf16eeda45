package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/parley-chat/parley/rendezvous"
)

// The load generator of scenario 5 runs in its own process so that the
// node's RSS and CPU are its own. It reads commands on stdin:
//
//	add K     open K more clients (connect + REGISTER); answers
//	          "ready TOTAL FAILED SECONDS [first error]"
//	quit      (or EOF) close everything and exit
//
// and appends the peer IDs of registered clients to -ids, one per line.

// loadClient is one idle client: its host and its rendezvous client.
type loadClient struct {
	h  host.Host
	rc *rendezvous.Client
}

type loadgen struct {
	node    peer.AddrInfo
	workers int
	ids     *os.File
	mu      sync.Mutex // guards clients and ids writes
	clients []loadClient
}

func loadgenMain(args []string) int {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	nodeAddr := fs.String("node", "", "node multiaddr with /p2p/ID")
	idsPath := fs.String("ids", "", "file to append registered peer IDs to")
	workers := fs.Int("workers", 8, "clients opened concurrently")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	slog.SetDefault(slog.New(slog.DiscardHandler))
	raiseFileLimit()
	ai, err := peer.AddrInfoFromString(*nodeAddr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen: node address:", err)
		return 2
	}
	f, err := os.Create(*idsPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		return 1
	}
	defer f.Close()
	lg := &loadgen{node: *ai, workers: max(1, *workers), ids: f}
	defer lg.closeAll()
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		cmd, arg, _ := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		switch cmd {
		case "add":
			k, err := strconv.Atoi(arg)
			if err != nil || k <= 0 || k > 1_000_000 {
				fmt.Println("error bad count")
				continue
			}
			fmt.Println(lg.add(k))
		case "quit":
			return 0
		}
	}
	return 0
}

// add opens k clients with lg.workers in parallel. It stops early after
// 50 failures in a row: the node has reached a limit.
func (lg *loadgen) add(k int) string {
	start := time.Now()
	var next, failed, streak atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for range lg.workers {
		wg.Go(func() {
			for next.Add(1) <= int64(k) && streak.Load() < 50 {
				if err := lg.openOne(); err != nil {
					failed.Add(1)
					streak.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				streak.Store(0)
			}
		})
	}
	wg.Wait()
	lg.ids.Sync()
	lg.mu.Lock()
	total := len(lg.clients)
	lg.mu.Unlock()
	line := fmt.Sprintf("ready %d %d %.2f", total, failed.Load(), time.Since(start).Seconds())
	if e, ok := firstErr.Load().(string); ok {
		line += " " + strings.ReplaceAll(e, "\n", " ")
	}
	return line
}

// openOne builds a dial-only host, connects it and registers it.
func (lg *loadgen) openOne() error {
	h, err := dialHost()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rc := rendezvous.NewClient(h, lg.node, nil)
	if err := rc.Register(ctx, 30*time.Minute); err != nil {
		rc.Close()
		h.Close()
		return fmt.Errorf("register: %w", err)
	}
	lg.mu.Lock()
	defer lg.mu.Unlock()
	lg.clients = append(lg.clients, loadClient{h: h, rc: rc})
	_, err = fmt.Fprintln(lg.ids, h.ID())
	return err
}

func (lg *loadgen) closeAll() {
	lg.mu.Lock()
	defer lg.mu.Unlock()
	var wg sync.WaitGroup
	for _, c := range lg.clients {
		wg.Go(func() {
			c.rc.Close()
			c.h.Close()
		})
	}
	wg.Wait()
	lg.clients = nil
}
