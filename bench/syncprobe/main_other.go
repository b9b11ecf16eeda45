//go:build !linux

// Command syncprobe measures durable writes on Linux (see main.go).
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "syncprobe: Linux only (fdatasync, /proc/self/io)")
	os.Exit(2)
}
