//go:build linux

// Command syncprobe measures what durable writes cost on this machine's
// disk: appends through write(2) + fdatasync(2), and through a shared
// memory map of a fresh (sparse) file + msync(2), which is how Badger
// writes its value log and memtable WAL. For each sync size it prints the
// rate, the process CPU per MB written, and the bytes the kernel wrote to
// the device per byte appended (/proc/self/io). With -random the map is
// advised MADV_RANDOM, so that page faults allocate single pages rather
// than large folios. It writes in the directory -dir (default: the
// current one) and removes its files.
//
//	go run ./bench/syncprobe [-dir DIR] [-random]
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

const perSize = 2 * time.Second

func main() {
	dir := flag.String("dir", ".", "directory for the probe's files (on the disk to measure)")
	random := flag.Bool("random", false, "advise the map MADV_RANDOM (single-page faults)")
	flag.Parse()
	buf := make([]byte, 1<<20)
	for i := range buf {
		buf[i] = byte(i * 7)
	}
	fmt.Printf("%-16s %9s %10s %16s %14s\n", "path", "sync size", "MB/s", "CPU µs per MB", "device bytes")
	for _, chunk := range []int{4 << 10, 64 << 10, 192 << 10, 1 << 20, 3 << 20} {
		for _, p := range []struct {
			name string
			run  func(path string, chunk int, buf []byte, random bool) (int, error)
		}{{"write+fdatasync", appendSync}, {"mmap+msync", mapSync}} {
			path := filepath.Join(*dir, "syncprobe.tmp")
			w0, c0, t0 := deviceWrites(), cpuTime(), time.Now()
			n, err := p.run(path, chunk, buf, *random)
			el, cpu, dw := time.Since(t0), cpuTime()-c0, deviceWrites()-w0
			os.Remove(path)
			if err != nil {
				log.Fatalf("%s: %v", p.name, err)
			}
			mb := float64(n) / 1e6
			fmt.Printf("%-16s %6d KiB %10.0f %16.0f %13.2f×\n", p.name, chunk>>10,
				mb/el.Seconds(), float64(cpu.Microseconds())/mb, float64(dw)/float64(n))
		}
	}
}

// appendSync appends chunk bytes and fdatasyncs, for perSize; it returns
// the bytes written.
func appendSync(path string, chunk int, buf []byte, _ bool) (int, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR|os.O_TRUNC, 0o600)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	total := 0
	for t0 := time.Now(); time.Since(t0) < perSize; {
		for w := 0; w < chunk; w += len(buf) {
			if _, err := f.Write(buf[:min(len(buf), chunk-w)]); err != nil {
				return total, err
			}
		}
		if err := unix.Fdatasync(int(f.Fd())); err != nil {
			return total, err
		}
		total += chunk
	}
	return total, nil
}

// mapSync copies chunk bytes into a map of a fresh sparse file and msyncs
// it, for perSize; it returns the bytes written.
func mapSync(path string, chunk int, buf []byte, random bool) (int, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR|os.O_TRUNC, 0o600)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	const size = 2 << 30
	if err := f.Truncate(size); err != nil {
		return 0, err
	}
	data, err := unix.Mmap(int(f.Fd()), 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return 0, err
	}
	defer unix.Munmap(data)
	if random {
		if err := unix.Madvise(data, unix.MADV_RANDOM); err != nil {
			return 0, err
		}
	}
	off := 0
	for t0 := time.Now(); time.Since(t0) < perSize && off+chunk <= size; {
		for w := 0; w < chunk; w += len(buf) {
			off += copy(data[off:], buf[:min(len(buf), chunk-w)])
		}
		if err := unix.Msync(data, unix.MS_SYNC); err != nil {
			return off, err
		}
	}
	return off, nil
}

// cpuTime is the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// deviceWrites is write_bytes of /proc/self/io: what this process caused
// to be sent to the storage layer.
func deviceWrites() int64 {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0
	}
	for _, l := range bytes.Split(b, []byte("\n")) {
		if v, ok := bytes.CutPrefix(l, []byte("write_bytes: ")); ok {
			n, _ := strconv.ParseInt(string(v), 10, 64)
			return n
		}
	}
	return 0
}
