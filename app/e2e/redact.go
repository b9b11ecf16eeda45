package e2e

import (
	"fmt"
	"io"
	"log/slog"
)

// Types that hold secrets print and log without them, whatever the verb,
// and also when copied (value receivers).

// LogValue implements slog.LogValuer: the friend's fingerprint only.
func (s Session) LogValue() slog.Value {
	return slog.GroupValue(slog.String("remote", s.remote.Fingerprint()))
}

// Format prints the friend's fingerprint only.
func (s Session) Format(f fmt.State, _ rune) {
	_, _ = io.WriteString(f, "e2e.Session{remote "+s.remote.Fingerprint()+"}")
}

// LogValue implements slog.LogValuer: the peer's fingerprint only.
func (p PendingRequest) LogValue() slog.Value {
	return slog.GroupValue(slog.String("peer", p.Peer.Fingerprint()))
}

// Format prints the peer's fingerprint only.
func (p PendingRequest) Format(f fmt.State, _ rune) {
	_, _ = io.WriteString(f, "e2e.PendingRequest{peer "+p.Peer.Fingerprint()+"}")
}
