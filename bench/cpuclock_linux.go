package main

import (
	"time"

	"golang.org/x/sys/unix"
)

// Linux CPU-time clocks (clock_gettime): unlike getrusage, they include
// the running thread's time since its last tick, so short loops are timed
// to the nanosecond.
func cpuClock(id int32) time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(id, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}

// threadCPU is the CPU time of the calling OS thread (0 if unknown).
func threadCPU() time.Duration { return cpuClock(unix.CLOCK_THREAD_CPUTIME_ID) }

// processCPU is the CPU time of the whole process.
func processCPU() time.Duration { return cpuClock(unix.CLOCK_PROCESS_CPUTIME_ID) }
