// Package jsonclient serves the headless client's JSON lines protocol
// (docs/json-client.md) over any reader and writer: one request object per
// input line, one reply or event object per output line. `parley client
// --json` runs it on stdin/stdout; tests run it in memory.
package jsonclient

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"sync"

	"github.com/parley-chat/parley/app"
)

// ProtocolVersion is the version of the JSON lines protocol; whoami reports
// it. Bump it on any incompatible change.
const ProtocolVersion = 1

// eventQueue is how many events the JSON client may fall behind by (a
// mailbox of thousands of messages arrives in bursts); past it, a resync
// event is written.
const eventQueue = 1 << 16

// maxLine bounds one request line; longer lines get an error reply.
const maxLine = 4 << 20

// Serve runs c (calling its Run) and serves requests read from in, writing
// replies and events to out, until in reaches EOF, a quit command, or ctx
// ends. It closes c before it returns.
func Serve(ctx context.Context, c *app.Client, in io.Reader, out io.Writer) error {
	s := &session{c: c, out: &jsonWriter{w: bufio.NewWriter(out)}}
	return s.run(ctx, in)
}

// session is one run of the JSON client: it owns the client, the event pump
// and the command loop.
type session struct {
	c   *app.Client
	out *jsonWriter
}

// run serves stdin until EOF, quit or ctx, then shuts down in order: stop
// reading commands, close the client (which stops Run and ends the event
// stream), wait for the pump.
func (s *session) run(ctx context.Context, stdin io.Reader) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	_, events := s.c.SubscribeQueue(ctx, eventQueue)
	runErr := make(chan error, 1)
	wg.Go(func() { runErr <- s.c.Run(ctx) })
	wg.Go(func() { s.pump(ctx, events) })
	// The stdin reader cannot be interrupted; it ends with the process.
	lines := make(chan lineResult)
	go readLines(stdin, lines)
	err := s.serve(ctx, lines, runErr)
	cancel()
	closeErr := s.c.Close()
	wg.Wait()
	select {
	case e := <-runErr:
		err = errors.Join(err, e)
	default:
	}
	return errors.Join(err, closeErr)
}

// serve handles request lines until EOF, quit, ctx, or Run failing.
func (s *session) serve(ctx context.Context, lines <-chan lineResult, runErr <-chan error) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-runErr:
			return err
		case l, ok := <-lines:
			if !ok {
				return nil // EOF: clean exit
			}
			if s.handle(ctx, l) {
				return nil
			}
		}
	}
}

type lineResult struct {
	line    []byte
	tooLong bool
}

// readLines sends each line of r; a line over maxLine is reported, not
// returned, and reading goes on.
func readLines(r io.Reader, out chan<- lineResult) {
	defer close(out)
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		var line []byte
		tooLong := false
		for {
			chunk, isPrefix, err := br.ReadLine()
			if err != nil {
				if len(line) > 0 || tooLong {
					out <- lineResult{line: line, tooLong: tooLong}
				}
				return
			}
			if !tooLong {
				line = append(line, chunk...)
				if len(line) > maxLine {
					line, tooLong = nil, true
				}
			}
			if !isPrefix {
				break
			}
		}
		out <- lineResult{line: line, tooLong: tooLong}
	}
}

// jsonWriter writes one JSON object per line; safe for concurrent use.
type jsonWriter struct {
	mu sync.Mutex // guards w
	w  *bufio.Writer
}

func (j *jsonWriter) write(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]any{"event": "error", "error": "internal: cannot encode output"})
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.w.Write(b)
	j.w.WriteByte('\n')
	j.w.Flush()
}
