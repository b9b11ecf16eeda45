package app

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bounds on text that peers control.
const (
	// MaxNameRunes bounds a display name after sanitising.
	MaxNameRunes = 64
	// MaxPreviewRunes bounds the last-message preview in the contact list.
	MaxPreviewRunes = 80
	// MaxTextBytes bounds the text of one message (64 KiB); Send refuses
	// more with ErrTooLong and received longer texts are cut.
	MaxTextBytes = 64 << 10
	// MaxGreetingRunes bounds the greeting of a friend request.
	MaxGreetingRunes = 280
)

// isBidiControl reports the characters that reorder text (embeddings,
// overrides, isolates and marks): a name holding them could display as
// another name.
func isBidiControl(r rune) bool {
	switch {
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0x200E, r == 0x200F, r == 0x061C:
		return true
	}
	return false
}

// isInvisible reports zero-width and other invisible format characters.
func isInvisible(r rune) bool {
	switch r {
	case 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD, 0x180E, 0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0:
		return true
	}
	return unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Variation_Selector, r)
}

// SanitizeName returns a display name safe to show beside other names: no
// control, bidi, zero-width or other invisible characters, runs of spaces
// collapsed, trimmed, at most MaxNameRunes runes. An empty result becomes
// "unnamed".
func SanitizeName(s string) string {
	if n := sanitizeLine(s, MaxNameRunes); n != "" {
		return n
	}
	return "unnamed"
}

// sanitizeLine drops invisible and control characters, collapses white
// space (newlines included) and keeps at most max runes.
func sanitizeLine(s string, max int) string {
	var b strings.Builder
	space := false
	n := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r == utf8.RuneError && size == 1 {
			continue // a byte of invalid UTF-8: dropped
		}
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

// SanitizeText returns message text safe to display: valid UTF-8, no bidi
// controls and no control characters other than newline and tab, at most
// MaxTextBytes bytes (cut at a rune boundary). Zero-width joiners stay, since
// emoji sequences need them.
func SanitizeText(s string) string {
	if textIsClean(s) {
		return s // the common case: nothing to copy
	}
	return sanitizeTextSlow(s)
}

// sanitizeTextSlow is SanitizeText without the fast path.
func sanitizeTextSlow(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(min(len(s), MaxTextBytes))
	for _, r := range s {
		if droppedFromText(r) {
			continue
		}
		if b.Len()+utf8.RuneLen(r) > MaxTextBytes {
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}

// textIsClean reports whether SanitizeText would return s unchanged.
// Printable ASCII is checked eight bytes at a time, then byte by byte; the
// first non-ASCII byte switches to runes.
func textIsClean(s string) bool {
	if len(s) > MaxTextBytes {
		return false
	}
	i := cleanASCIIWords(s)
	if !utf8.ValidString(s[i:]) {
		return false
	}
	for ; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return runesAreClean(s[i:])
		}
		if (c < 0x20 && c != '\n' && c != '\t') || c == 0x7F {
			return false
		}
	}
	return true
}

// cleanASCIIWords returns the length of the leading 8-byte words of s that
// are printable ASCII (0x20–0x7E), checked a word at a time (SWAR): the
// usual text is checked at memory speed rather than byte by byte. A word
// with a newline, tab or anything else ends it; the caller goes on from
// there byte by byte. Pure bit arithmetic, no cryptography.
func cleanASCIIWords(s string) int {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		// A byte of 0x80 or more has its high bit set in w; a byte below
		// 0x20 sets its high bit in w - 0x20…20 (the borrow it passes on
		// can only raise a false alarm, which the byte loop clears); a byte
		// of 0x7F sets its high bit in w + 0x01…01.
		if (w|(w-0x20*ones)|(w+ones))&highs != 0 {
			break
		}
	}
	return i
}

// droppedFromText reports the characters SanitizeText removes: bidi
// controls and control characters other than newline and tab.
func droppedFromText(r rune) bool {
	return isBidiControl(r) || (unicode.IsControl(r) && r != '\n' && r != '\t')
}

// runesAreClean reports whether s holds no character SanitizeText drops.
func runesAreClean(s string) bool {
	for _, r := range s {
		if droppedFromText(r) {
			return false
		}
	}
	return true
}

// preview returns a one-line, bounded, sanitised preview of a message.
func preview(s string) string {
	return sanitizeLine(s, MaxPreviewRunes)
}

// sanitizeGreeting bounds and cleans the greeting of a friend request.
func sanitizeGreeting(s string) string {
	return truncateRunes(SanitizeText(s), MaxGreetingRunes)
}

func truncateRunes(s string, n int) string {
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}
