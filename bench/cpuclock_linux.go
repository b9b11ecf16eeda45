package main

import (
	"syscall"
	"time"
	"unsafe"
)

// Linux CPU-time clocks (clock_gettime): unlike getrusage, they include
// the running thread's time since its last tick, so short loops are timed
// to the nanosecond.
const (
	clockProcessCPU = 2 // CLOCK_PROCESS_CPUTIME_ID
	clockThreadCPU  = 3 // CLOCK_THREAD_CPUTIME_ID
)

func cpuClock(id uintptr) time.Duration {
	var ts syscall.Timespec
	if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, id, uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
		return 0
	}
	return time.Duration(ts.Nano())
}

// threadCPU is the CPU time of the calling OS thread (0 if unknown).
func threadCPU() time.Duration { return cpuClock(clockThreadCPU) }

// processCPU is the CPU time of the whole process.
func processCPU() time.Duration { return cpuClock(clockProcessCPU) }
