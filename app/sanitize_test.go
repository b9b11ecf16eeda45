package app

import (
	"strings"
	"testing"
)

// FuzzSanitizeText checks that the fast path never changes the outcome:
// SanitizeText equals the rune-by-rune sanitiser on every input, and
// sanitising is idempotent.
func FuzzSanitizeText(f *testing.F) {
	for _, s := range []string{
		"", "hello", "line\nbreak\ttab", "bell\x07", "del\x7f", "\u202Eevil\u202C", "zero\u200Bwidth",
		"emoji 👩\u200D💻", "bad utf8 \xff\xfe", "c1 \u0085 control", strings.Repeat("a", MaxTextBytes+3),
		strings.Repeat("é", MaxTextBytes/2+1),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, want := SanitizeText(s), sanitizeTextSlow(s)
		if got != want {
			t.Fatalf("SanitizeText(%q) = %q, slow path = %q", s, got, want)
		}
		if again := SanitizeText(got); again != got {
			t.Fatalf("SanitizeText not idempotent: %q → %q", got, again)
		}
	})
}

func BenchmarkSanitizeText64KiB(b *testing.B) {
	s := strings.Repeat("The quick brown fox jumps over the lazy dog. ", MaxTextBytes/45)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		SanitizeText(s)
	}
}
