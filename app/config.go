package app

import (
	"log/slog"
	"time"

	"github.com/parley-chat/parley/vault"
)

// Config is what Open needs. Dir and Passphrase are required; every other
// zero field takes the default named beside it.
type Config struct {
	// Dir is the profile's data directory.
	Dir string
	// Passphrase unlocks the vault. Open does not keep it; the caller may
	// wipe it afterwards.
	Passphrase []byte
	// Logger gets lifecycle and Debug lines, never plaintext, keys or names
	// (nil discards).
	Logger *slog.Logger
	// Now is the clock (time.Now).
	Now func() time.Time
	// Listen are the multiaddrs to listen on (nil: /ip4/0.0.0.0/tcp/0 and
	// /ip4/0.0.0.0/udp/0/quic-v1).
	Listen []string
	// Nodes, if non-nil, overrides the home nodes stored in the profile for
	// this run (it does not change the card).
	Nodes []string
	// KDF overrides the Argon2id parameters used by ChangePassphrase (nil:
	// vault.DefaultKDF). Tests pass &vault.TestKDF.
	KDF *vault.KDF
	// DisableMDNS turns off LAN discovery, which is otherwise on when the
	// profile has no home node (tests turn it off).
	DisableMDNS bool
	// Timing tunes the background loops (zero: DefaultTiming).
	Timing Timing
}

// Timing is how often the background loops run. Tests shorten it.
type Timing struct {
	// Poll is how often the own mailbox is fetched (3 s).
	Poll time.Duration
	// Presence is how often friends' presence is looked up (5 s).
	Presence time.Duration
	// RegisterTTL is the TTL of our registration; it is refreshed every
	// third of it (60 s).
	RegisterTTL time.Duration
	// MaxBackoff caps retry backoff for delivery and reconnects (30 s).
	MaxBackoff time.Duration
	// Call bounds one network exchange (10 s).
	Call time.Duration
}

// DefaultTiming is used for zero Timing fields.
var DefaultTiming = Timing{
	Poll:        3 * time.Second,
	Presence:    5 * time.Second,
	RegisterTTL: time.Minute,
	MaxBackoff:  30 * time.Second,
	Call:        10 * time.Second,
}

func (t Timing) withDefaults() Timing {
	d := DefaultTiming
	for _, f := range []struct{ p, def *time.Duration }{
		{&t.Poll, &d.Poll}, {&t.Presence, &d.Presence}, {&t.RegisterTTL, &d.RegisterTTL},
		{&t.MaxBackoff, &d.MaxBackoff}, {&t.Call, &d.Call},
	} {
		if *f.p <= 0 {
			*f.p = *f.def
		}
	}
	return t
}

func (c Config) withDefaults() Config {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	c.Timing = c.Timing.withDefaults()
	return c
}

func (c Config) vaultOptions() vault.Options {
	o := vault.Options{Logger: c.Logger}
	if c.KDF != nil {
		o.KDF = *c.KDF
	}
	return o
}
