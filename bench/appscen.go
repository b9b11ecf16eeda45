package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/parley-chat/parley/app"
	"github.com/parley-chat/parley/app/e2e"
)

// padding is what appText fills texts with: built once, so that making a
// text costs the load generator one allocation and one copy instead of
// two of each (the generator runs in the measured process: its CPU is in
// every row's CPU per message).
var padding = strings.Repeat("x", app.MaxTextBytes)

// appText makes a message text of n ASCII bytes (sanitising leaves it).
func appText(n int, seq int) string {
	s := fmt.Sprintf("m%08d ", seq)
	if k := n - len(s); k > len(padding) {
		return s + strings.Repeat("x", k)
	} else if k > 0 {
		return s + padding[:k]
	}
	return s
}

// runDelivery: alice sends one message at a time. The goal's figure is
// the wire part: from Send's return (the message is sealed and in the
// outbox, durably) over the open stream to bob's durable commit and the ack
// back to alice's Delivered event. That is what the baseline (libp2p round
// trip + one synced Badger write) models. The user-perceived time from the
// Send call (adding the outbox commit) is reported beside it, and the
// design floor (2.floor, floordeliver.go), measured first, after them.
func runDelivery(e *env) ([]Result, error) {
	const figure, goal = "online delivery: Send returned → bob durable commit → Delivered at alice", "p50 ≤ 1 ms, p99 ≤ 5 ms, ratio ≤ 1.5×"
	var base time.Duration // the baseline: rtt + one synced write
	if len(e.base.rtt) > 0 && len(e.base.syncWrite) > 0 {
		base = e.base.rtt.p50() + e.base.syncWrite.p50()
	}
	// The design floor first, before the clients start (as 3.floor, 8.floor).
	fl, flErr := measureDeliverFloor(e)
	floorRow := deliverFloorRow(fl, flErr, base)
	w, err := e.appWorld()
	if err != nil {
		return []Result{notMeasured("2", figure, goal, err.Error()), floorRow}, nil
	}
	p := e.plan(plan{warmup: 30, rounds: 3, perRound: 300, maxRound: 600 * time.Millisecond},
		plan{warmup: 200, rounds: 5, perRound: 2000, maxRound: 3 * time.Second})
	cpu0 := cpuTime()
	total, ph, err := w.measureDelivery(e.ctx, p, 100)
	cpuPer := (cpuTime() - cpu0) / time.Duration(max(1, len(total)+p.warmup))
	if err != nil {
		return []Result{notMeasured("2", figure, goal, err.Error()), floorRow}, nil
	}
	r := latRow("2.deliver", figure+" (100 B text, 2 app.Clients, loopback)", "µs", ph.wire, us)
	withBase(&r, "rtt+fsync", us(base))
	r.Note = ph.String() + "; " + cpuNote(cpuPer, "message")
	if flErr == nil && r.Median > 0 {
		r.Note += fmt.Sprintf("; against the design floor (2.floor: rtt + verify + the receiver's %d-record synced commit, p50 %.0f µs) %.2f×",
			len(deliverRecords), us(fl.total.p50()), r.Median/us(fl.total.p50()))
	}
	r.judge(check{name: "p50", got: r.Median, atMost: true, limit: 1000, unit: " µs"},
		check{name: "p99", got: r.P99, atMost: true, limit: 5000, unit: " µs"},
		check{name: "ratio", got: r.Ratio, atMost: true, limit: 1.5, unit: "×"})
	t := latRow("2.total", "as 2.deliver but from the Send call (adds the outbox commit: seal + one synced write)", "µs", total, us)
	if base > 0 {
		withBase(&t, "rtt+2 fsync", us(base+e.base.syncWrite.p50()))
	}
	t.judge()
	return []Result{r, t, floorRow}, nil
}

// phases is the breakdown of sequential deliveries.
type phases struct{ send, recv, ack, wire latencies }

func (ph phases) String() string {
	return fmt.Sprintf("phases p50/p99 µs: Send returns (outbox commit) %.0f/%.0f, → bob's MessageArrived %.0f/%.0f, → Delivered at alice %.0f/%.0f",
		us(ph.send.p50()), us(ph.send.p99()), us(ph.recv.p50()), us(ph.recv.p99()), us(ph.ack.p50()), us(ph.ack.p99()))
}

// measureDelivery sends size-byte texts from alice one at a time and times
// Send → Delivered at alice, with the phases: Send's own commit, then until
// bob's MessageArrived, then until alice's Delivered.
func (w *appWorld) measureDelivery(ctx context.Context, p plan, size int) (latencies, phases, error) {
	var ph phases
	w.bob.setTrack(true)
	defer w.bob.setTrack(false)
	l, err := measureLatency(p, func() error {
		w.seq++
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		t0 := time.Now()
		id, err := w.alice.c.Send(ctx, w.bob.peer, appText(size, w.seq))
		if err != nil {
			return fmt.Errorf("send: %w", err)
		}
		t1 := time.Now()
		if err := w.alice.waitDelivered(ctx, id); err != nil {
			return err
		}
		t3 := time.Now()
		t2, err := w.bob.arrival(ctx, id)
		if err != nil {
			return err
		}
		ph.send, ph.recv, ph.ack = append(ph.send, t1.Sub(t0)), append(ph.recv, t2.Sub(t1)), append(ph.ack, t3.Sub(t2))
		ph.wire = append(ph.wire, t3.Sub(t1))
		return nil
	})
	for _, x := range []latencies{ph.send, ph.recv, ph.ack, ph.wire} {
		slices.Sort(x)
	}
	return l, ph, err
}

// blast sends n messages of size bytes from alice with conc concurrent
// senders and waits until all are Delivered; it returns the completed count.
func (w *appWorld) blast(ctx context.Context, n, size, conc int, deadline time.Time) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	base := w.alice.deliveredCount()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	next := 0
	for range conc {
		wg.Go(func() {
			for {
				mu.Lock()
				if next >= n || firstErr != nil || (next > 0 && time.Now().After(deadline)) {
					mu.Unlock()
					return
				}
				next++
				w.seq++
				text := appText(size, w.seq)
				mu.Unlock()
				if _, err := w.alice.c.Send(ctx, w.bob.peer, text); err != nil {
					mu.Lock()
					firstErr = fmt.Errorf("send: %w", err)
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return 0, firstErr
	}
	sent := next
	err := w.alice.waitFor(ctx, func() bool { return w.alice.delivered-base >= sent })
	return w.alice.deliveredCount() - base, err
}

// blastBatches sends n messages from alice with app.SendBatch, batch
// texts per call, one caller, and waits until all are Delivered.
func (w *appWorld) blastBatches(ctx context.Context, n, size, batch int, deadline time.Time) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	base := w.alice.deliveredCount()
	sent := 0
	for sent < n && (sent == 0 || time.Now().Before(deadline)) {
		k := min(batch, n-sent)
		texts := make([]string, k)
		for i := range texts {
			w.seq++
			texts[i] = appText(size, w.seq)
		}
		if _, err := w.alice.c.SendBatch(ctx, w.bob.peer, texts); err != nil {
			return 0, fmt.Errorf("send batch: %w", err)
		}
		sent += k
	}
	err := w.alice.waitFor(ctx, func() bool { return w.alice.delivered-base >= sent })
	return w.alice.deliveredCount() - base, err
}

// runThroughput: a burst of messages in one conversation, durable on both
// sides (Delivered = committed at bob, acked to alice).
func runThroughput(e *env) ([]Result, error) {
	const figure, goal = "throughput, one conversation, durable both sides", "≥ 10000 msg/s"
	w, err := e.appWorld()
	if err != nil {
		return []Result{notMeasured("3", figure, goal, err.Error())}, nil
	}
	p := e.plan(plan{warmup: 100, rounds: 2, perRound: 5000, maxRound: 700 * time.Millisecond},
		plan{warmup: 1000, rounds: 3, perRound: 50000, maxRound: 5 * time.Second})
	fl, flErr := measureSmallFloor(e)
	var rs []Result
	var lastID string
	var lastCPU time.Duration // CPU per message of the last burst level
	levels := []int{1, 16}
	if !e.quick {
		levels = append(levels, 64)
	}
	for _, conc := range levels {
		r, cpuPer, err := w.burstRate(e.ctx, p, 100, conc)
		if err != nil {
			rs = append(rs, notMeasured("3", figure, goal, err.Error()))
			break
		}
		row := rateRow(fmt.Sprintf("3.burst%d", conc), fmt.Sprintf("%s, 100 B texts, %d concurrent Send caller(s)", figure, conc), "msg/s", r)
		row.Note = cpuNote(cpuPer, "message")
		if conc == 1 && len(e.base.syncWrite) > 0 {
			row.Note += oneCallerCeiling(e.base.syncWrite.p50())
		}
		row.judge(check{name: "rate", got: row.Median, limit: 10000, unit: " msg/s"})
		rs = append(rs, row)
		lastID, lastCPU = row.ID, cpuPer
	}
	rs = append(rs, smallFloorRow(fl, flErr, lastID, lastCPU))
	rs = append(rs, memDiskRow(e, "3.memdisk16", figure+", vaults on tmpfs (no disk), 100 B texts, 16 concurrent Send callers",
		"msg/s", "message", e.sizeFor(1, 2), func(w *appWorld) (rates, time.Duration, error) {
			return w.burstRate(e.ctx, p, 100, 16)
		}))
	cpu0, n0 := cpuTime(), w.alice.deliveredCount()
	r, err := measureRate(p, func(maxOps int, deadline time.Time) (int, error) {
		return w.blastBatches(e.ctx, maxOps, 100, 256, deadline)
	})
	if err != nil {
		return append(rs, notMeasured("3.batch", figure+", SendBatch", goal, err.Error())), nil
	}
	row := rateRow("3.batch", figure+", 100 B texts, one caller, app.SendBatch of 256", "msg/s", r)
	row.Note = cpuNote((cpuTime()-cpu0)/time.Duration(max(1, w.alice.deliveredCount()-n0)), "message")
	row.judge(check{name: "rate", got: row.Median, limit: 10000, unit: " msg/s"})
	return append(rs, row), nil
}

// oneCallerCeiling explains the bound on one Send caller: Send returns
// once its message is durable in the outbox, so one caller waits for at
// least one synced commit per message, and no more than 1/fsync messages a
// second can pass, whatever the rest costs.
func oneCallerCeiling(fsync time.Duration) string {
	ceiling := float64(time.Second) / float64(fsync)
	s := fmt.Sprintf("; one caller waits for one synced commit per Send (base.fsync p50 %.0f µs): at most %.0f msg/s", us(fsync), ceiling)
	if ceiling < 10000 {
		s += ", below the goal: physically impossible for one synchronous caller (concurrency or SendBatch is the way, rows below)"
	}
	return s
}

// largeSenders is how many concurrent Send callers 8.large has: enough
// that the pipeline, not the callers' round trips, bounds the rate (with
// 4 it was latency-bound; 8.large4 keeps that figure for comparison with
// earlier tables).
const largeSenders = 16

// runLarge: the largest text app.Send accepts, end to end, durable.
func runLarge(e *env) ([]Result, error) {
	const figure, goal = "large messages end to end, durable both sides", "≥ 300 MB/s"
	w, err := e.appWorld()
	if err != nil {
		return []Result{notMeasured("8", figure, goal, err.Error())}, nil
	}
	size := app.MaxTextBytes
	fl, flErr := measureLargeFloor(e)
	p := e.plan(plan{warmup: 8, rounds: 2, perRound: 1000, maxRound: 700 * time.Millisecond},
		plan{warmup: 50, rounds: 3, perRound: 5000, maxRound: 5 * time.Second})
	rowFigure := func(senders int) string {
		return fmt.Sprintf("%s, %d KiB texts (app.MaxTextBytes), %d senders", figure, size>>10, senders)
	}
	r, cpuPer, err := w.largeRate(e.ctx, p, largeSenders)
	if err != nil {
		floorRow, _ := largeFloorRow(fl, flErr, 0, 0)
		return []Result{notMeasured("8", figure, goal, err.Error()), floorRow}, nil
	}
	row := rateRow("8.large", rowFigure(largeSenders), "MB/s", r)
	floorRow, ceiling := largeFloorRow(fl, flErr, row.Median, cpuPer)
	row.Note = cpuNote(cpuPer, fmt.Sprintf("%d KiB message", size>>10))
	largeBaseline(e, &row, ceiling)
	row.judge(check{name: "rate", got: row.Median, limit: 300, unit: " MB/s"})
	rs := []Result{row, floorRow, w.large4Row(e, rowFigure(4), ceiling), largeMemDiskRow(e, p, rowFigure(largeSenders))}
	if c, err := e2eLargeRate(e); err == nil {
		rs = append(rs, c)
	}
	l, ph, err := w.measureDelivery(e.ctx, e.plan(plan{warmup: 5, rounds: 2, perRound: 50, maxRound: 500 * time.Millisecond},
		plan{warmup: 20, rounds: 3, perRound: 300, maxRound: 3 * time.Second}), size)
	if err != nil {
		return append(rs, notMeasured("8.one", "one large message", "", err.Error())), nil
	}
	one := latRow("8.one", fmt.Sprintf("one %d KiB message at a time: Send → Delivered", size>>10), "ms", l, ms)
	one.Note = ph.String()
	one.judge()
	return append(rs, one), nil
}

// large4Row is row 8.large4: 8.large with the 4 senders of earlier
// tables, in shorter rounds; ceiling is 8.floor's (0: not measured).
func (w *appWorld) large4Row(e *env, figure string, ceiling float64) Result {
	p := e.plan(plan{warmup: 4, rounds: 2, perRound: 1000, maxRound: 500 * time.Millisecond},
		plan{warmup: 20, rounds: 3, perRound: 5000, maxRound: 3 * time.Second})
	r, cpuPer, err := w.largeRate(e.ctx, p, 4)
	if err != nil {
		return notMeasured("8.large4", figure, "", err.Error())
	}
	row := rateRow("8.large4", figure, "MB/s", r)
	row.Note = cpuNote(cpuPer, fmt.Sprintf("%d KiB message", app.MaxTextBytes>>10)) +
		fmt.Sprintf("; 8.large with the 4 senders of earlier tables (8.large now has %d)", largeSenders)
	if ceiling > 0 {
		row.BaselineName, row.Baseline, row.Ratio = "CPU floor ceiling", ceiling, ceiling/row.Median
	}
	row.judge()
	return row
}

// memDiskRow is a diagnostic row (3.memdisk16, 8.memdisk): measure in a
// fresh world with both clients' vaults on tmpfs, where a synced write
// reaches no disk, beside the same in a fresh world on disk, back to back
// (the scenario's own world has carried the scenarios before, so it is not
// the fair comparison). The difference is what durable storage on this
// machine's disk costs. tmpfs must have needGiB free: the row reclaims
// nothing while it runs. per names what measure's CPU time is per.
func memDiskRow(e *env, id, figure, unit, per string, needGiB int, measure func(*appWorld) (rates, time.Duration, error)) Result {
	dir, err := memDir(uint64(needGiB) << 30)
	if err != nil {
		return notMeasured(id, figure, "", err.Error())
	}
	defer os.RemoveAll(dir)
	disk, diskCPU, err := e.freshRate(e.dir("fresh-disk-"+id), measure)
	if err != nil {
		return notMeasured(id, figure, "", "fresh world on disk: "+err.Error())
	}
	mem, memCPU, err := e.freshRate(dir, measure)
	if err != nil {
		return notMeasured(id, figure, "", err.Error())
	}
	row := rateRow(id, figure, unit, mem)
	row.Note = cpuNote(memCPU, per) +
		fmt.Sprintf("; the same in a fresh world on disk, just before: %.1f %s (%.0f %% of this) at %.0f µs CPU per %s, "+
			"%.0f µs more: the kernel's side of durable storage on this disk (block allocation, write-back and "+
			"fdatasync of Badger's logs and tables; see bench/syncprobe and third_party/badger/PARLEY.md)",
			disk.median(), unit, 100*disk.median()/row.Median, us(diskCPU), per, us(diskCPU-memCPU))
	row.judge()
	return row
}

// largeMemDiskRow is row 8.memdisk: 8.large on tmpfs beside disk. Three
// stored copies of every text, none reclaimed during the row.
func largeMemDiskRow(e *env, p plan, figure string) Result {
	figure = strings.Replace(figure, "durable both sides", "vaults on tmpfs (no disk)", 1)
	return memDiskRow(e, "8.memdisk", figure, "MB/s", fmt.Sprintf("%d KiB message", app.MaxTextBytes>>10), e.sizeFor(1, 6),
		func(w *appWorld) (rates, time.Duration, error) { return w.largeRate(e.ctx, p, largeSenders) })
}

// freshRate runs measure in a new world whose data lives under root, and
// closes it.
func (e *env) freshRate(root string, measure func(*appWorld) (rates, time.Duration, error)) (rates, time.Duration, error) {
	w, err := e.newAppWorld(root)
	if err != nil {
		return nil, 0, err
	}
	defer w.Close()
	return measure(w)
}

// burstRate is the rate of size-byte texts from conc concurrent Send
// callers, in messages per second per round, with the CPU time per
// message.
func (w *appWorld) burstRate(ctx context.Context, p plan, size, conc int) (rates, time.Duration, error) {
	cpu0, n0 := cpuTime(), w.alice.deliveredCount()
	r, err := measureRate(p, func(maxOps int, deadline time.Time) (int, error) {
		return w.blast(ctx, maxOps, size, conc, deadline)
	})
	cpuPer := (cpuTime() - cpu0) / time.Duration(max(1, w.alice.deliveredCount()-n0))
	return r, cpuPer, err
}

// largeRate is the rate of app.MaxTextBytes texts from senders concurrent
// Send callers, in MB/s of plaintext per round, with the CPU time per
// message.
func (w *appWorld) largeRate(ctx context.Context, p plan, senders int) (rates, time.Duration, error) {
	size := app.MaxTextBytes
	r, cpuPer, err := w.burstRate(ctx, p, size, senders)
	if err != nil {
		return nil, 0, err
	}
	for i := range r {
		r[i] *= float64(size) / 1e6
	}
	return r, cpuPer, nil
}

// largeBaseline sets 8.large's baseline: the ceiling of the CPU floor
// (8.floor), the rate this machine's cores allow at best; the wire
// baselines, far above it, go to the note (one stands in if the floor
// was not measured).
func largeBaseline(e *env, row *Result, ceiling float64) {
	row.BaselineName, row.Baseline = "CPU floor ceiling", ceiling
	if ceiling == 0 {
		row.BaselineName, row.Baseline = "libp2p stream", e.base.stream.median()
	} else if len(e.base.stream) > 0 {
		row.Note += fmt.Sprintf("; one libp2p stream in the same run: %.0f MB/s", e.base.stream.median())
	}
	if row.Baseline > 0 && row.Median > 0 {
		row.Ratio = row.Baseline / row.Median
	}
	if e.base.tcp != nil {
		row.Note += fmt.Sprintf("; raw loopback TCP: %.0f MB/s", e.base.tcp.median())
	}
}

// appWorld returns the shared two-client world, creating it on first use;
// it is closed at the end of the run.
func (e *env) appWorld() (*appWorld, error) {
	e.worldOnce.Do(func() {
		e.world, e.worldErr = e.newAppWorld(e.tmp)
		if e.worldErr == nil {
			e.cleanup = append(e.cleanup, e.world.Close)
		}
	})
	return e.world, e.worldErr
}

// e2eLargeRate is the crypto ceiling of scenario 8: e2e Seal + Open of the
// largest plaintext an envelope allows, one direction, in MB/s.
func e2eLargeRate(e *env) (Result, error) {
	pair, err := newE2EPair()
	if err != nil {
		return Result{}, err
	}
	msg := randomBytes(e2e.MaxPlaintextSize)
	p := e.plan(plan{warmup: 5, rounds: 3, perRound: 100, maxRound: 300 * time.Millisecond},
		plan{warmup: 20, rounds: 5, perRound: 1000, maxRound: 2 * time.Second})
	r, err := measureRate(p, func(maxOps int, deadline time.Time) (int, error) {
		n := 0
		for ; n < maxOps && (n == 0 || time.Now().Before(deadline)); n++ {
			if err := transfer(pair.alice, pair.bob, msg); err != nil {
				return n, err
			}
		}
		return n, nil
	})
	if err != nil {
		return Result{}, err
	}
	for i := range r {
		r[i] *= float64(len(msg)) / 1e6
	}
	row := rateRow("8.crypto", fmt.Sprintf("e2e Seal + Open of %d KiB (e2e.MaxPlaintextSize), no I/O: the crypto ceiling", len(msg)>>10), "MB/s", r)
	return row, nil
}

// cpuNote states the CPU time both in-process clients (and the bench) spent
// per unit, and the rate all cores could sustain at that cost: a figure that
// the machine's other load does not inflate much.
func cpuNote(per time.Duration, unit string) string {
	if per <= 0 {
		return "CPU per " + unit + " not measured"
	}
	return fmt.Sprintf("CPU %.0f µs per %s (both clients, in-process) → CPU-bound ceiling on %d cores ≈ %.0f/s",
		us(per), unit, runtime.NumCPU(), float64(runtime.NumCPU())/per.Seconds())
}
