package p2p

import (
	"context"
	"log/slog"

	"github.com/libp2p/go-libp2p/gologshim"
)

// RouteLibp2pLogs sends go-libp2p's own logs to h, dropping records below
// min (libp2p is chatty at Info). go-libp2p v0.51.0 logs through log/slog via
// its gologshim package, which picks its handler on each logger's first
// record: call this once, early in main, before [NewHost]. Without it libp2p
// writes to stderr by itself, controlled by GOLOG_LOG_LEVEL.
//
// It changes process-wide state, so libraries and tests must not call it;
// only main does.
func RouteLibp2pLogs(h slog.Handler, min slog.Level) {
	gologshim.SetDefaultHandler(minLevel{Handler: h.WithAttrs([]slog.Attr{slog.String("component", "libp2p")}), min: min})
}

// minLevel raises a handler's threshold.
type minLevel struct {
	slog.Handler
	min slog.Level
}

func (m minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= m.min && m.Handler.Enabled(ctx, l)
}

func (m minLevel) WithAttrs(a []slog.Attr) slog.Handler {
	return minLevel{Handler: m.Handler.WithAttrs(a), min: m.min}
}

func (m minLevel) WithGroup(name string) slog.Handler {
	return minLevel{Handler: m.Handler.WithGroup(name), min: m.min}
}
