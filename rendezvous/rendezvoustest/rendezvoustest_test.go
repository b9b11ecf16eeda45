package rendezvoustest

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"testing"
	"time"

	"github.com/parley-chat/parley/p2p"
	"github.com/parley-chat/parley/rendezvous"
	"github.com/parley-chat/parley/rendezvous/server"
)

func TestStart(t *testing.T) {
	n := Start(t, server.Config{})
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	h, err := p2p.NewHost(context.Background(), p2p.Config{Identity: key, ListenAddrs: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	c := rendezvous.NewClient(h, n.Info, nil)
	defer c.Close()
	if err := c.Register(t.Context(), time.Minute); err != nil {
		t.Fatalf("Register: %v", err)
	}
	if err := c.Put(t.Context(), h.ID(), []byte("to myself")); err != nil {
		t.Fatalf("Put: %v", err)
	}
	items, err := c.Fetch(t.Context(), 0)
	if err != nil || len(items) != 1 || string(items[0].Envelope) != "to myself" {
		t.Fatalf("Fetch = %v, %v", items, err)
	}
}
