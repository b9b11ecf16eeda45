package app

import (
	"os"
	"runtime/debug"
)

// ClientGCPercent is the garbage collector's target for a process that runs
// clients (Go's default is 100). A client turns over many short-lived
// buffers per message (envelopes, frames, sealed records); with 200 the
// collector runs half as often. Measured in session 3 (BENCHMARKS.md),
// interleaved pairs on the delivery harness: 2–6 % less CPU per message and
// 4–9 % more messages a second with 16 and 64 senders; idle RSS unchanged.
const ClientGCPercent = 200

// TuneRuntime sets the process's GC target to ClientGCPercent unless the
// user chose one with GOGC. Call it once, at the start of a process that
// hosts clients (the desktop app, the JSON client, the bench).
func TuneRuntime() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(ClientGCPercent)
	}
}
