package vault

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestBadgerLogger(t *testing.T) {
	var buf bytes.Buffer
	l := badgerLogger{l: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))}
	l.Debugf("debug %d\n", 1)
	l.Infof("info %d\n", 2) // Badger's Info is our Debug: filtered out
	l.Warningf("warn %d\n", 3)
	l.Errorf("error %d\n", 4)
	got := buf.String()
	for _, want := range []string{"level=WARN msg=badger detail=\"warn 3\"", "level=ERROR msg=badger detail=\"error 4\""} {
		if !strings.Contains(got, want) {
			t.Errorf("log output %q lacks %q", got, want)
		}
	}
	if strings.Contains(got, "info 2") || strings.Contains(got, "debug 1") {
		t.Errorf("log output %q has Debug-level lines", got)
	}
}
