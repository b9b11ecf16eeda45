package ui

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
)

// wrapText breaks text into lines no wider than width when drawn at size and
// style: at spaces where possible, inside a word only when the word alone is
// too wide. New lines in the text are kept; runs of spaces become one.
func wrapText(text string, width, size float32, style fyne.TextStyle) []string {
	lines, _, _ := newMeasurer(size, style).wrap(text, width, 0)
	return lines
}

// measurer measures text for wrapping in time linear in its length: a
// maximal message (64 KiB) is wrapped in milliseconds, where measuring each
// candidate line whole (shaping it again) took about a second. Widths are
// sums of the advances of single characters; words whose characters shaping
// may join or combine (see shaped) are measured whole. Not safe for
// concurrent use; one per wrap.
type measurer struct {
	size  float32
	style fyne.TextStyle
	ascii [utf8.RuneSelf]glyph
	runes map[rune]glyph
	words map[string]float32
	space float32
}

// glyph is what a measurer knows of a character.
type glyph struct {
	width  float32
	shaped bool // see shaped
}

// maxShapedWord bounds the words measured whole: longer ones (a pasted key,
// a hostile run of marks) are summed by character advances, only as far as
// a line needs.
const maxShapedWord = 256

// kernSlack is how far over the width (as a share of it) a line's sum of
// advances may be and still be measured whole: kerning narrows a full line
// of Latin text by a few points.
const kernSlack = 1.0 / 32

func newMeasurer(size float32, style fyne.TextStyle) *measurer {
	m := &measurer{size: size, style: style, runes: map[rune]glyph{}, words: map[string]float32{}}
	m.space = m.glyph(' ').width
	return m
}

func (m *measurer) measure(s string) float32 { return fyne.MeasureText(s, m.size, m.style).Width }

func (m *measurer) glyph(r rune) glyph {
	if r < utf8.RuneSelf && m.ascii[r].width > 0 {
		return m.ascii[r]
	}
	g, ok := m.runes[r]
	if !ok {
		g = glyph{m.measure(string(r)), shaped(r)}
		if r < utf8.RuneSelf {
			m.ascii[r] = g
		} else {
			m.runes[r] = g
		}
	}
	return g
}

// shaped reports characters whose width alone differs from their width in a
// word: marks, joiners and selectors, skin tones and flag letters, and the
// scripts that join letters. For the others (Latin, Greek, Cyrillic, Han,
// kana, Hangul, symbols) shaping only narrows a word (kerning), so the sum
// of advances is a safe bound.
func shaped(r rune) bool {
	if r < 0x300 {
		return false
	}
	return unicode.In(r, unicode.Mn, unicode.Mc, unicode.Me, unicode.Cf, unicode.Regional_Indicator) ||
		(r >= 0x1F3FB && r <= 0x1F3FF) || // skin tones
		!unicode.In(r, unicode.Latin, unicode.Greek, unicode.Cyrillic, unicode.Han, unicode.Hiragana,
			unicode.Katakana, unicode.Hangul, unicode.Common)
}

// word is the width of a word with no spaces and whether it fits in limit.
// A long word is summed only until it is past limit, so that it costs what
// fits on a line.
func (m *measurer) word(s string, limit float32) (float32, bool) {
	if w, ok := m.words[s]; ok {
		return w, w <= limit
	}
	sum, whole := float32(0), false
	for _, r := range s {
		g := m.glyph(r)
		sum += g.width
		whole = whole || g.shaped
		if sum > limit && len(s) > maxShapedWord {
			return sum, false
		}
	}
	if len(s) <= maxShapedWord {
		if whole {
			sum = m.measure(s)
		}
		m.words[s] = sum
	}
	return sum, sum <= limit
}

// fits reports whether a line lineW wide can take one more word ww wide,
// and how wide it becomes. Kerning makes a line a little narrower than the
// sum of its words, so a line just over width is measured whole.
func (m *measurer) fits(line string, lineW float32, word string, ww, width float32) (float32, bool) {
	w := lineW + m.space + ww
	if w <= width {
		return w, true
	}
	if w > width*(1+kernSlack) {
		return 0, false
	}
	w = m.measure(line + " " + word)
	return w, w <= width
}

// split cuts a word too wide for a line into the longest head that fits
// (at least one character) and the rest.
func (m *measurer) split(word string, width float32) (head, rest string, headW float32) {
	for i, r := range word {
		w := m.glyph(r).width
		if i > 0 && headW+w > width {
			return word[:i], word[i:], headW
		}
		headW += w
	}
	return word, "", headW
}

// wrap breaks text into lines for width and returns them with the width of
// each. With maxLines > 0 it stops there and reports whether text was left.
func (m *measurer) wrap(text string, width float32, maxLines int) (lines []string, widths []float32, cut bool) {
	w := lineWriter{m: m, width: width, max: maxLines}
	for para := range strings.SplitSeq(text, "\n") {
		if w.full() {
			return w.lines, w.widths, true
		}
		for word := range strings.FieldsSeq(para) {
			if !w.add(word) {
				return w.lines, w.widths, true
			}
		}
		w.flush()
	}
	return w.lines, w.widths, false
}

// lineWriter collects the lines of one wrap.
type lineWriter struct {
	m      *measurer
	width  float32
	max    int // most lines; 0 is no limit
	lines  []string
	widths []float32
	line   strings.Builder // the line being filled
	lineW  float32
}

func (w *lineWriter) full() bool { return w.max > 0 && len(w.lines) >= w.max }

func (w *lineWriter) emit(s string, width float32) {
	w.lines = append(w.lines, s)
	w.widths = append(w.widths, width)
}

// flush ends the current line, empty or not.
func (w *lineWriter) flush() {
	w.emit(w.line.String(), w.lineW)
	w.line.Reset()
	w.lineW = 0
}

// add puts word on the current line, or on the next if it does not fit,
// cutting it if it is wider than a line. It reports false when the lines
// are full and text is left.
func (w *lineWriter) add(word string) bool {
	ww, fits := w.m.word(word, w.width)
	if w.line.Len() > 0 {
		if lw, ok := w.m.fits(w.line.String(), w.lineW, word, ww, w.width); ok {
			w.line.WriteByte(' ')
			w.line.WriteString(word)
			w.lineW = lw
			return true
		}
		w.flush()
	}
	for !fits {
		if w.full() {
			return false
		}
		head, rest, hw := w.m.split(word, w.width)
		if rest == "" {
			break
		}
		w.emit(head, hw)
		word = rest
		ww, fits = w.m.word(word, w.width)
	}
	if w.full() {
		return false
	}
	w.line.WriteString(word)
	w.lineW = ww
	return true
}
