//go:build !linux

package main

import "time"

// threadCPU is the CPU time of the calling OS thread: unknown here.
func threadCPU() time.Duration { return 0 }

// processCPU is the CPU time of the whole process (getrusage).
func processCPU() time.Duration { return cpuTime() }
