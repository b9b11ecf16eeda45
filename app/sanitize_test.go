package app

import (
	"strings"
	"testing"
	"unicode"

	"google.golang.org/protobuf/proto"
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

// FuzzSanitizeLine: sanitizeLine, which reads only as far as it needs,
// equals the plain definition (drop invalid UTF-8, then filter) on every
// input and bound.
func FuzzSanitizeLine(f *testing.F) {
	for _, s := range []string{"", "  Bob \n Smith ", "bad \xff\xfe utf8", "\u202Eevil", strings.Repeat("long ", 30000)} {
		f.Add(s, uint8(MaxPreviewRunes))
	}
	f.Fuzz(func(t *testing.T, s string, max uint8) {
		if got, want := sanitizeLine(s, int(max)), sanitizeLineRef(s, int(max)); got != want {
			t.Fatalf("sanitizeLine(%q, %d) = %q, want %q", s, max, got, want)
		}
	})
}

// sanitizeLineRef is sanitizeLine as first written: it converts the whole
// string before filtering.
func sanitizeLineRef(s string, max int) string {
	var b strings.Builder
	space := false
	n := 0
	for _, r := range strings.ToValidUTF8(s, "") {
		if unicode.IsControl(r) || isBidiControl(r) || isInvisible(r) {
			continue
		}
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			n++
			space = false
		}
		if n >= max {
			break
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

func BenchmarkSanitizeText64KiB(b *testing.B) {
	s := strings.Repeat("The quick brown fox jumps over the lazy dog. ", MaxTextBytes/45)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		SanitizeText(s)
	}
}

// TestMaxTextFitsBucket: the content of a message of MaxTextBytes, with
// the largest IDs and times it can carry, fits the 65 KiB padding bucket
// (a message one byte over a bucket costs the next bucket's bytes).
func TestMaxTextFitsBucket(t *testing.T) {
	ct := &Content{Id: strings.Repeat("f", 64), SentAt: 1<<63 - 1, Kind: Kind_KIND_TEXT, Text: strings.Repeat("x", MaxTextBytes)}
	b, err := proto.Marshal(ct)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 65<<10 {
		t.Fatalf("content of a maximal text is %d bytes, more than the 65 KiB bucket", len(b))
	}
}

// TestTextIsCleanEveryByte puts every byte value at every position of the
// words the word-at-a-time check reads (and of the tail it leaves), next to
// each neighbour that could hide it, and compares with the definition.
func TestTextIsCleanEveryByte(t *testing.T) {
	for _, fill := range []byte{'a', ' ', '~', 0x1F, 0x7F} {
		for pos := range 19 {
			for c := range 256 {
				b := []byte(strings.Repeat(string(fill), 19))
				b[pos] = byte(c)
				s := string(b)
				if got, want := textIsClean(s), sanitizeTextSlow(s) == s; got != want {
					t.Fatalf("textIsClean(%q) = %v, want %v", s, got, want)
				}
			}
		}
	}
}
