package app

import (
	"runtime/debug"
	"testing"
)

// TestTuneRuntime: the client's GC target is set unless GOGC chose one.
func TestTuneRuntime(t *testing.T) {
	orig := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(orig) })

	t.Setenv("GOGC", "")
	TuneRuntime()
	if got := debug.SetGCPercent(100); got != ClientGCPercent {
		t.Errorf("GC percent after TuneRuntime = %d, want %d", got, ClientGCPercent)
	}
	t.Setenv("GOGC", "50")
	TuneRuntime()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GC percent with GOGC set = %d, want it left alone (100)", got)
	}
}
