package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// parleyBinary builds the static headless parley binary once per run into
// the temp dir (the same flags as CI's static build, so the cache is warm).
func (e *env) parleyBinary() (string, error) {
	e.binOnce.Do(func() {
		path := filepath.Join(e.tmp, "parley")
		cmd := exec.CommandContext(e.ctx, "go", "build", "-o", path, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			e.binErr = fmt.Errorf("build parley: %w\n%s", err, out)
			return
		}
		e.bin = path
	})
	return e.bin, e.binErr
}

// proc is a child process whose stdout is read line by line.
type proc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string // stdout lines; closed at EOF
	done  chan struct{}
	err   error // Wait's result, valid after done
	tail  *tailBuffer
}

// startProc starts name with args; stderr is kept (last 4 KiB) for errors.
func startProc(ctx context.Context, env []string, name string, args ...string) (*proc, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.WaitDelay = 5 * time.Second
	p := &proc{cmd: cmd, lines: make(chan string, 1024), done: make(chan struct{}), tail: &tailBuffer{max: 16 << 10}}
	cmd.Stderr = p.tail
	var err error
	if p.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", filepath.Base(name), err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			select {
			case p.lines <- sc.Text():
			default: // nobody reads: drop rather than block the child
			}
		}
		close(p.lines)
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// waitLine returns the first stdout line for which match is true.
func (p *proc) waitLine(timeout time.Duration, match func(string) bool) (string, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				return "", fmt.Errorf("process exited before the expected line; stderr: %s", p.tail)
			}
			if match(l) {
				return l, nil
			}
		case <-t.C:
			return "", fmt.Errorf("no expected line within %v; stderr: %s", timeout, p.tail)
		}
	}
}

// stop asks the process to end (SIGTERM, then kill after 5 s) and waits.
func (p *proc) stop() {
	if p.cmd.Process == nil {
		return
	}
	p.stdin.Close()
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// rssKiB reads VmRSS (and the peak VmHWM) of pid from /proc.
func rssKiB(pid int) (rss, peak int64, err error) {
	path := "/proc/" + strconv.Itoa(pid) + "/status"
	parse := func(key string) int64 {
		f := strings.Fields(procField(path, key))
		if len(f) == 0 {
			return 0
		}
		n, _ := strconv.ParseInt(f[0], 10, 64)
		return n
	}
	rss, peak = parse("VmRSS"), parse("VmHWM")
	if rss == 0 {
		return 0, 0, errors.New("no VmRSS for pid " + strconv.Itoa(pid))
	}
	return rss, peak, nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = t.b[len(t.b)-t.max:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.b))
}
