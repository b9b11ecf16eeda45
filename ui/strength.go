package ui

import (
	"math"
	"strings"
	"unicode"
)

// minPassphrase is the shortest passphrase the first-run screen accepts.
const minPassphrase = 8

// strength is a rough passphrase strength grade for the hint under the field.
type strength int

const (
	strengthTooShort strength = iota
	strengthWeak
	strengthFair
	strengthStrong
	strengthVeryStrong
)

// estimateStrength grades a passphrase by an entropy estimate: the length
// times log2 of the alphabet its character classes span, with repeated
// characters counted once. It is a hint, not a policy: Argon2id does the
// real work of slowing down guessing.
func estimateStrength(pass string) strength {
	runes := []rune(pass)
	if len(runes) < minPassphrase {
		return strengthTooShort
	}
	var lower, upper, digit, space, other bool
	distinct := map[rune]bool{}
	for _, r := range runes {
		distinct[r] = true
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		case unicode.IsSpace(r):
			space = true
		default:
			other = true
		}
	}
	alphabet := 0
	for _, c := range []struct {
		on bool
		n  int
	}{{lower, 26}, {upper, 26}, {digit, 10}, {space, 1}, {other, 32}} {
		if c.on {
			alphabet += c.n
		}
	}
	// Count each distinct character fully, repeats at a quarter.
	effective := float64(len(distinct)) + float64(len(runes)-len(distinct))/4
	bits := effective * math.Log2(float64(max(alphabet, 2)))
	switch {
	case bits < 40:
		return strengthWeak
	case bits < 60:
		return strengthFair
	case bits < 90:
		return strengthStrong
	}
	return strengthVeryStrong
}

// hint is the sentence shown under the passphrase field.
func (s strength) hint() string {
	return [...]string{
		"Too short: use at least 8 characters.",
		"Weak: add more words or characters.",
		"Fair: a few more words would make it strong.",
		"Strong.",
		"Very strong.",
	}[s]
}

// splitNodes turns the node field (commas, spaces or new lines between
// addresses) into a list; empty means the embedded node.
func splitNodes(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
}
