package vault

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/dgraph-io/badger/v4"
)

// badgerLogger routes Badger's printf-style logs into slog. Badger logs file
// and compaction housekeeping only, never keys or values. Its chatty Info
// level maps to slog Debug.
type badgerLogger struct {
	l *slog.Logger
}

var _ badger.Logger = badgerLogger{}

func (b badgerLogger) log(level slog.Level, format string, args []any) {
	ctx := context.Background() // Badger's interface carries no context.
	if !b.l.Enabled(ctx, level) {
		return
	}
	detail := strings.TrimSpace(fmt.Sprintf(format, args...))
	b.l.Log(ctx, level, "badger", "detail", detail)
}

// Errorf implements badger.Logger.
func (b badgerLogger) Errorf(f string, v ...any) { b.log(slog.LevelError, f, v) }

// Warningf implements badger.Logger.
func (b badgerLogger) Warningf(f string, v ...any) { b.log(slog.LevelWarn, f, v) }

// Infof implements badger.Logger.
func (b badgerLogger) Infof(f string, v ...any) { b.log(slog.LevelDebug, f, v) }

// Debugf implements badger.Logger.
func (b badgerLogger) Debugf(f string, v ...any) { b.log(slog.LevelDebug, f, v) }
