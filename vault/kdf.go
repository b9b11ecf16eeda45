package vault

import (
	"fmt"

	"golang.org/x/crypto/argon2"
)

// KDF holds Argon2id parameters. The zero value is invalid; use DefaultKDF
// (or TestKDF in tests).
type KDF struct {
	Time    uint32 // passes over memory
	Memory  uint32 // KiB
	Threads uint8
}

// DefaultKDF are the Argon2id parameters new vaults use: 128 MiB, 12 passes,
// 2 lanes. Measured on the 2-core machine kind parley is built on (Go
// 1.26.8, amd64): ≈ 1.16 s of CPU per derivation, so ≈ 0.6 s wall on an
// idle machine with both lanes in parallel (≈ 45 ms per 128 MiB pass);
// 0.75–1.7 s under the load of parallel CI jobs (BenchmarkDefaultKDF).
// 128 MiB rather than more keeps unlocking possible on low-memory Android
// phones; the cost is bought with passes instead of memory.
var DefaultKDF = KDF{Time: 12, Memory: 128 * 1024, Threads: 2}

// TestKDF are deliberately cheap parameters for tests (≈ 0.1 ms). Never use
// them for a real vault.
var TestKDF = KDF{Time: 1, Memory: 64, Threads: 1}

// Bounds accepted when reading a header; they keep a hostile header from
// asking for absurd work or memory.
const (
	maxKDFTime   = 1 << 10
	maxKDFMemory = 4 << 20 // KiB = 4 GiB
)

func (k KDF) validate() error {
	switch {
	case k.Time < 1 || k.Time > maxKDFTime:
		return fmt.Errorf("argon2id time %d out of range", k.Time)
	case k.Threads < 1:
		return fmt.Errorf("argon2id threads %d out of range", k.Threads)
	case k.Memory < 8*uint32(k.Threads) || k.Memory > maxKDFMemory:
		return fmt.Errorf("argon2id memory %d KiB out of range", k.Memory)
	}
	return nil
}

// derive returns the 32-byte key-encryption key. The caller wipes it.
func (k KDF) derive(passphrase, salt []byte) *[32]byte {
	out := argon2.IDKey(passphrase, salt, k.Time, k.Memory, k.Threads, 32)
	var kek [32]byte
	copy(kek[:], out)
	wipe(out)
	return &kek
}

// wipe zeroes b. Go gives no guarantee that no copy survives elsewhere (the
// GC may have moved it), but the live buffers we own no longer hold secrets.
func wipe(b []byte) {
	clear(b)
}
