//go:build linux

// Command syncprobe measures what durable writes cost on this machine's
// disk: appends through write(2) + fdatasync(2), and through a shared
// memory map of a fresh (sparse) file + msync(2), which is how Badger
// writes its value log and memtable WAL. For each sync size it prints the
// rate, the process CPU per MB written, and the bytes the kernel wrote to
// the device per byte appended (/proc/self/io). With -random the map is
// advised MADV_RANDOM, so that page faults allocate single pages rather
// than large folios. With -latency it measures instead the latency of
// small synced writes (one 8 KiB pwrite(2) + fdatasync(2) each, a commit
// of a few messages) by how the file's blocks were prepared: sparse (how
// Badger creates its logs), fallocate(2)d, or written beforehand; with 1
// and 3 concurrent writers (the bench runs two vaults, and each vault's
// commits, on one disk). It writes in the directory -dir (default: the
// current one) and removes its files.
//
//	go run ./bench/syncprobe [-dir DIR] [-random | -latency]
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

const perSize = 2 * time.Second

func main() {
	dir := flag.String("dir", ".", "directory for the probe's files (on the disk to measure)")
	random := flag.Bool("random", false, "advise the map MADV_RANDOM (single-page faults)")
	latency := flag.Bool("latency", false, "latency of 8 KiB synced writes by how the file was prepared")
	flag.Parse()
	if *latency {
		if err := syncLatency(*dir); err != nil {
			log.Fatal(err)
		}
		return
	}
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

// syncLatency prints the latency of 8 KiB pwrite + fdatasync into a
// 64 MiB file prepared three ways, with 1 and 3 writers at once.
func syncLatency(dir string) error {
	const chunk, size, n = 8 << 10, 64 << 20, 2000
	fmt.Printf("%-9s %7s %9s %9s %22s\n", "file", "writers", "p50 µs", "p99 µs", "CPU µs per sync")
	for _, writers := range []int{1, 3} {
		for _, prep := range []string{"sparse", "fallocate", "written"} {
			lat := make([][]time.Duration, writers)
			errs := make([]error, writers)
			var wg sync.WaitGroup
			c0 := cpuTime()
			for w := range writers {
				wg.Go(func() {
					lat[w], errs[w] = syncWrites(filepath.Join(dir, fmt.Sprintf("syncprobe%d.tmp", w)), prep, chunk, size, n)
				})
			}
			wg.Wait()
			cpu := cpuTime() - c0
			if err := errors.Join(errs...); err != nil {
				return fmt.Errorf("%s: %w", prep, err)
			}
			all := slices.Concat(lat...)
			slices.Sort(all)
			fmt.Printf("%-9s %7d %9.0f %9.0f %22.0f\n", prep, writers, us(all[len(all)/2]), us(all[len(all)*99/100]),
				us(cpu)/float64(len(all)))
		}
	}
	return nil
}

// syncWrites prepares a file of size bytes at path, then writes n chunks
// of chunk bytes into it, each synced, and returns their latencies. The
// preparation (not timed): "sparse" truncates, "fallocate" reserves the
// blocks, "written" writes every byte and syncs.
func syncWrites(path, prep string, chunk, size, n int) ([]time.Duration, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	defer os.Remove(path)
	defer f.Close()
	switch prep {
	case "sparse":
		err = f.Truncate(int64(size))
	case "fallocate":
		err = unix.Fallocate(int(f.Fd()), 0, 0, int64(size))
	case "written":
		zero := make([]byte, 1<<20)
		for off := 0; off < size && err == nil; off += len(zero) {
			_, err = f.WriteAt(zero, int64(off))
		}
	}
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		return nil, err
	}
	buf := bytes.Repeat([]byte{7}, chunk)
	lat := make([]time.Duration, 0, n)
	for i := range min(n, size/chunk) {
		t0 := time.Now()
		if _, err := f.WriteAt(buf, int64(i*chunk)); err != nil {
			return lat, err
		}
		if err := unix.Fdatasync(int(f.Fd())); err != nil {
			return lat, err
		}
		lat = append(lat, time.Since(t0))
	}
	return lat, nil
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

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
