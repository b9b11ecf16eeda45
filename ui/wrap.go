package ui

import (
	"strings"

	"fyne.io/fyne/v2"
)

// wrapText breaks text into lines no wider than width when drawn at size and
// style: at spaces where possible, inside a word only when the word alone is
// too wide. New lines in the text are kept.
func wrapText(text string, width, size float32, style fyne.TextStyle) []string {
	measure := func(s string) float32 { return fyne.MeasureText(s, size, style).Width }
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			candidate := word
			if line != "" {
				candidate = line + " " + word
			}
			if measure(candidate) <= width {
				line = candidate
				continue
			}
			if line != "" {
				lines = append(lines, line)
			}
			line = word
			for measure(line) > width && len([]rune(line)) > 1 {
				head, rest := splitFitting(line, width, measure)
				lines = append(lines, head)
				line = rest
			}
		}
		lines = append(lines, line)
	}
	return lines
}

// splitFitting splits a word into the longest prefix that fits and the rest.
func splitFitting(word string, width float32, measure func(string) float32) (string, string) {
	runes := []rune(word)
	n := 1
	for n < len(runes) && measure(string(runes[:n+1])) <= width {
		n++
	}
	return string(runes[:n]), string(runes[n:])
}
