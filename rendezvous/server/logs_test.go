package server

import (
	"bytes"
	"log/slog"
	"sync"
	"testing"
)

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLogsNeverContainEnvelopes: with Debug logging on (the node's own and
// Badger's), a full PUT / FETCH / ACK / restart cycle logs no envelope
// bytes, and the data directory holds only the envelope bytes themselves.
func TestLogsNeverContainEnvelopes(t *testing.T) {
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	n := startNode(t, Config{Logger: logger})
	alice, _ := newClient(t, n)
	_, bh := newClient(t, n)
	secret := []byte("SEALED-ENVELOPE-MARKER-7f3a")
	if err := alice.Put(t.Context(), bh.ID(), secret); err != nil {
		t.Fatal(err)
	}
	n.restart()
	bob := clientWithKey(t, n, bh.Peerstore().PrivKey(bh.ID()))
	items, err := bob.Fetch(t.Context(), 0)
	if err != nil || len(items) != 1 {
		t.Fatalf("Fetch = %d, %v", len(items), err)
	}
	if err := bob.Ack(t.Context(), []string{items[0].ID}); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	if out == "" {
		t.Fatal("no Debug logs captured")
	}
	for _, needle := range []string{string(secret), "SEALED-ENVELOPE"} {
		if bytes.Contains([]byte(out), []byte(needle)) {
			t.Errorf("logs contain envelope bytes %q", needle)
		}
	}
}
