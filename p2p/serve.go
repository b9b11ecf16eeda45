package p2p

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
)

// Handler answers one request frame from peer from, authenticated by the
// transport. It returns the response frame. An error resets the stream
// without a response: handlers answer expected refusals (quota, denied) with
// a response that says so, and return an error only for malformed input.
type Handler func(ctx context.Context, from peer.ID, req []byte) (resp []byte, err error)

// Limits bounds one protocol's streams. The zero value is usable: every
// zero field takes the default named beside it.
type Limits struct {
	// MaxRequest is the largest request frame accepted (DefaultMaxFrame).
	MaxRequest int
	// MaxResponse is the largest response frame written (DefaultMaxFrame).
	MaxResponse int
	// Idle is how long a stream may wait for the first byte of its next
	// request (2 minutes). Persistent client streams outlive it by reopening.
	Idle time.Duration
	// Read is how long one request frame may take from its first byte to
	// its last (10 seconds): a slow-loris stream is cut after this.
	Read time.Duration
	// Handle bounds the handler and the response write (10 seconds).
	Handle time.Duration
	// Logger gets Debug lines for each bad frame and reset; nil discards.
	Logger *slog.Logger
	// OnBadFrame, if set, is called with a short reason for each rejected
	// stream ("too_large", "truncated", "timeout", "handler"), for metrics.
	OnBadFrame func(proto protocol.ID, reason string)
}

func (l Limits) withDefaults() Limits {
	if l.MaxRequest <= 0 {
		l.MaxRequest = DefaultMaxFrame
	}
	if l.MaxResponse <= 0 {
		l.MaxResponse = DefaultMaxFrame
	}
	if l.Idle <= 0 {
		l.Idle = 2 * time.Minute
	}
	if l.Read <= 0 {
		l.Read = 10 * time.Second
	}
	if l.Handle <= 0 {
		l.Handle = 10 * time.Second
	}
	if l.Logger == nil {
		l.Logger = slog.New(slog.DiscardHandler)
	}
	return l
}

// Serve registers fn for protocol id on h through the one stream adapter:
// for each request frame it sets deadlines, reads, calls fn, writes the
// response; it closes the stream when the peer closes its side and resets it
// on any error. A stream may carry any number of request/response pairs.
func Serve(h host.Host, id protocol.ID, fn Handler, lim Limits) {
	lim = lim.withDefaults()
	h.SetStreamHandler(id, func(s network.Stream) { serveStream(s, id, fn, lim) })
}

// ServeAll registers every handler of table with the same limits.
func ServeAll(h host.Host, table map[protocol.ID]Handler, lim Limits) {
	for id, fn := range table {
		Serve(h, id, fn, lim)
	}
}

func serveStream(s network.Stream, id protocol.ID, fn Handler, lim Limits) {
	from := s.Conn().RemotePeer()
	r := newReader(s)
	for {
		err := serveOne(s, r, from, fn, lim)
		if err == nil {
			continue
		}
		if errors.Is(err, io.EOF) || errors.Is(err, errIdle) {
			_ = s.Close() // the peer is done, or idle: not misbehaviour
			return
		}
		reason := badReason(err)
		if lim.OnBadFrame != nil {
			lim.OnBadFrame(id, reason)
		}
		lim.Logger.Debug("stream reset", "proto", id, "peer", from, "reason", reason, "err", err)
		_ = s.Reset()
		return
	}
}

// serveOne handles one request/response pair. io.EOF means the peer closed
// its side cleanly between requests.
func serveOne(s network.Stream, r io.Reader, from peer.ID, fn Handler, lim Limits) error {
	// Wait for the first byte of a request with the idle deadline, then give
	// the whole frame a fixed budget, so trickling bytes does not extend it.
	if err := s.SetReadDeadline(time.Now().Add(lim.Idle)); err != nil {
		return fmt.Errorf("set idle deadline: %w", err)
	}
	if err := peekByte(r); err != nil {
		return err
	}
	if err := s.SetReadDeadline(time.Now().Add(lim.Read)); err != nil {
		return fmt.Errorf("set read deadline: %w", err)
	}
	req, err := ReadFrame(r, lim.MaxRequest)
	if err != nil {
		return fmt.Errorf("read request: %w", unexpected(err))
	}
	// libp2p stream handlers have no parent context; the handler's lifetime
	// is bounded by lim.Handle and the stream itself.
	ctx, cancel := context.WithTimeout(context.Background(), lim.Handle)
	defer cancel()
	resp, err := fn(ctx, from, req)
	if err != nil {
		return fmt.Errorf("handler: %w", errHandler{err})
	}
	if err := s.SetWriteDeadline(time.Now().Add(lim.Handle)); err != nil {
		return fmt.Errorf("set write deadline: %w", err)
	}
	return WriteFrame(s, resp, lim.MaxResponse)
}

type peeker interface{ Peek(int) ([]byte, error) }

func peekByte(r io.Reader) error {
	p, ok := r.(peeker)
	if !ok {
		return nil
	}
	if _, err := p.Peek(1); err != nil {
		var te interface{ Timeout() bool }
		switch {
		case errors.Is(err, io.EOF):
			return io.EOF
		case errors.Is(err, context.DeadlineExceeded), errors.As(err, &te) && te.Timeout():
			return errIdle
		}
		return fmt.Errorf("wait for request: %w", err)
	}
	return nil
}

// errIdle means no request arrived within Limits.Idle.
var errIdle = errors.New("stream idle")

type errHandler struct{ error }

func (e errHandler) Unwrap() error { return e.error }

func badReason(err error) string {
	var h errHandler
	var te interface{ Timeout() bool }
	switch {
	case errors.As(err, &h):
		return "handler"
	case errors.Is(err, ErrFrameTooLarge):
		return "too_large"
	case errors.Is(err, ErrBadLength):
		return "bad_length"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "truncated"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &te) && te.Timeout():
		return "timeout"
	default:
		return "io"
	}
}
