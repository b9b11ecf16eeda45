package server

import (
	"fmt"
	"log/slog"
	"strings"
)

// badgerLogger routes Badger's printf-style logs to slog. Badger's Info lines
// are routine (compactions, replay), so they go to Debug.
type badgerLogger struct{ l *slog.Logger }

func (b badgerLogger) Errorf(f string, a ...any)   { b.l.Error("badger", "detail", msg(f, a)) }
func (b badgerLogger) Warningf(f string, a ...any) { b.l.Warn("badger", "detail", msg(f, a)) }
func (b badgerLogger) Infof(f string, a ...any)    { b.l.Debug("badger", "detail", msg(f, a)) }
func (b badgerLogger) Debugf(f string, a ...any)   { b.l.Debug("badger", "detail", msg(f, a)) }

func msg(f string, a []any) string { return strings.TrimSpace(fmt.Sprintf(f, a...)) }
