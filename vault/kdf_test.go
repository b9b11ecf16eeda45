package vault

import "testing"

// BenchmarkDefaultKDF measures one Argon2id derivation with DefaultKDF, the
// cost of every unlock. The figure is recorded in doc.go.
func BenchmarkDefaultKDF(b *testing.B) {
	salt := make([]byte, saltSize)
	for b.Loop() {
		k := DefaultKDF.derive(testPass, salt)
		wipe(k[:])
	}
}
