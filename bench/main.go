// Command bench measures parley on this machine: each figure beside the
// bare baseline it must approach, measured in the same run.
//
//	go run ./bench [-quick] [-out bench/results.json] [-only 1,2,base] [-md]
//
// It prints a table and writes results.json. A missed goal never makes it
// fail; only a crash or a broken scenario does (exit status 1). Everything
// talks only to 127.0.0.0/8, and every loop is bounded in count and time.
// "bench loadgen ..." is the load-generator subprocess of scenario 5, and
// "bench node ..." the node process it uses while `parley node` is not built.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"runtime/trace"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/parley-chat/parley/app"
)

// env is what every scenario gets.
type env struct {
	ctx   context.Context
	quick bool
	tmp   string // private temp dir, removed at the end
	base  baselines
	log   io.Writer // progress lines (stderr)

	binOnce sync.Once // builds the parley binary once (scenarios 5 and 6)
	bin     string
	binErr  error

	worldOnce sync.Once // the two-client world of scenarios 2, 3 and 8
	world     *appWorld
	worldErr  error
	cleanup   []func() // run at the end, last first
	clients   int      // scenario 5 client count override (0: by mode)
}

// forMode picks the quick or the full value (a size, a duration, a plan).
func forMode[T any](e *env, quick, full T) T {
	if e.quick {
		return quick
	}
	return full
}

// sizeFor picks the quick or the full value.
func (e *env) sizeFor(quick, full int) int { return forMode(e, quick, full) }

// plan returns the standard latency/rate plan for the mode.
func (e *env) plan(quick, full plan) plan { return forMode(e, quick, full) }

func (e *env) progress(format string, args ...any) {
	fmt.Fprintf(e.log, "bench: "+format+"\n", args...)
}

// scenario is one numbered group of rows.
type scenario struct {
	id  string
	run func(e *env) ([]Result, error)
}

func scenarios() []scenario {
	return []scenario{
		{"base", runBaselines},
		{"1", runCrypto},
		{"2", runDelivery},
		{"3", runThroughput},
		{"4", runMailbox},
		{"6", runStartup},
		{"7", runHistory},
		{"8", runLarge},
		// Last, being the longest (and in full mode the ceiling search):
		// the time budget then cuts only it. The table is sorted by id.
		{"5", runScale},
	}
}

// sortByScenario orders results by scenario: base first, then 1..8.
func sortByScenario(rs []Result) {
	key := func(id string) string {
		if strings.HasPrefix(id, "base") {
			return "0"
		}
		return id[:1]
	}
	slices.SortStableFunc(rs, func(a, b Result) int { return strings.Compare(key(a.ID), key(b.ID)) })
}

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "loadgen":
			os.Exit(loadgenMain(os.Args[2:]))
		case "node":
			os.Exit(benchNodeMain(os.Args[2:]))
		}
	}
	os.Exit(benchMain(os.Args[1:]))
}

func benchMain(args []string) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	quick := fs.Bool("quick", false, "quick mode for CI: small sizes, under a minute")
	out := fs.String("out", "bench/results.json", "where to write the JSON results (empty: nowhere)")
	only := fs.String("only", "", "comma-separated scenario ids to run (base,1..8); default all")
	md := fs.Bool("md", false, "also print the table as Markdown")
	clients := fs.Int("clients", 0, "scenario 5: idle clients to open (default 200 quick, 10000 full)")
	traceOut := fs.String("trace", "", "write a runtime execution trace of the run to this file")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the scenarios (not the baselines' setup) to this file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	// The clients in this process run with the runtime settings of parley's
	// client commands.
	app.TuneRuntime()
	// Product packages may log through the default logger; keep the table clean.
	slog.SetDefault(slog.New(slog.DiscardHandler))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	tmp, err := os.MkdirTemp("", "parley-bench-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	raiseFileLimit()

	e := &env{ctx: ctx, quick: *quick, tmp: tmp, log: os.Stderr, clients: *clients}
	rep := Report{Machine: machineInfo(), Mode: mode(*quick), Command: "go run ./bench " + strings.Join(args, " "), Started: time.Now().UTC()}
	e.progress("%s mode on %s (%d cores), %s, commit %s", rep.Mode, rep.Machine.CPU, rep.Machine.Cores, rep.Machine.GoVersion, rep.Machine.Commit)
	if *traceOut != "" {
		f, err := os.Create(*traceOut)
		if err == nil {
			err = trace.Start(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench: trace:", err)
			return 1
		}
		defer f.Close()
		defer trace.Stop()
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench: cpu profile:", err)
			return 1
		}
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	// Build the parley binary (scenarios 5 and 6) first; in quick mode in
	// the background, where the figures are not for reading anyway.
	if *quick {
		go e.parleyBinary()
	} else {
		e.parleyBinary()
	}
	// Whole-run budgets: quick mode must stay under a minute in CI, full
	// mode under ten; a scenario that would start after it is skipped.
	budget := 9 * time.Minute
	scenStart := time.Now() // the budget counts scenarios, not the build above
	if *quick {
		budget = 45 * time.Second
	}
	broken := 0
	for _, s := range scenarios() {
		if *only != "" && !slices.Contains(strings.Split(*only, ","), s.id) {
			continue
		}
		if ctx.Err() != nil {
			break
		}
		if time.Since(scenStart) > budget {
			rep.Results = append(rep.Results, notMeasured(s.id, "scenario "+s.id, "",
				fmt.Sprintf("the %s-mode time budget (%v) was spent before it started", rep.Mode, budget)))
			continue
		}
		start := time.Now()
		rs, err := runGuarded(e, s)
		if err != nil {
			broken++
			rs = append(rs, Result{ID: s.id, Figure: "scenario " + s.id, Status: "error", Note: err.Error()})
		}
		e.progress("scenario %s done in %.1fs", s.id, time.Since(start).Seconds())
		rep.Results = append(rep.Results, rs...)
	}
	for i := len(e.cleanup) - 1; i >= 0; i-- {
		e.cleanup[i]()
	}
	rep.Seconds = time.Since(rep.Started).Seconds()
	for _, r := range rep.Results {
		if r.Status == statusFail {
			rep.Failures++
		}
	}
	sortByScenario(rep.Results)
	rep.LoadEnd = loadAvg()
	fmt.Printf("\nparley bench, %s mode, %s, %d cores, %s, commit %s, %.0f s, load average %s at start, %s at end\n\n",
		rep.Mode, rep.Machine.CPU, rep.Machine.Cores, rep.Machine.GoVersion, rep.Machine.Commit, rep.Seconds,
		rep.Machine.LoadAvg, rep.LoadEnd)
	printTable(os.Stdout, rep.Results)
	if *md {
		fmt.Println()
		printMarkdown(os.Stdout, rep.Results)
	}
	if *out != "" {
		if err := writeJSON(*out, rep); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			return 1
		}
	}
	fmt.Printf("\n%d goals missed (reported, not fatal); %d scenarios broken\n", rep.Failures, broken)
	if broken > 0 {
		return 1
	}
	return 0
}

// runGuarded runs one scenario and turns a panic into an error with stack.
func runGuarded(e *env, s scenario) (rs []Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	e.progress("scenario %s ...", s.id)
	return s.run(e)
}

func mode(quick bool) string {
	if quick {
		return "quick"
	}
	return "full"
}

// raiseFileLimit lifts RLIMIT_NOFILE as far as allowed: scenario 5 opens
// thousands of connections (the node and load generator inherit it).
func raiseFileLimit() {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return
	}
	want := syscall.Rlimit{Cur: 1 << 20, Max: 1 << 20}
	if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want) == nil {
		return
	}
	lim.Cur = lim.Max
	syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
}
