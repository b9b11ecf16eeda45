package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

func TestEstimateStrength(t *testing.T) {
	for _, c := range []struct {
		pass string
		want strength
	}{
		{"", strengthTooShort},
		{"abc1234", strengthTooShort},
		{"aaaaaaaaaaaa", strengthWeak},
		{"password", strengthWeak},
		{"Summer2024", strengthFair},
		{"correct horse battery", strengthStrong},
		{"correct horse battery staple orbit", strengthVeryStrong},
	} {
		if got := estimateStrength(c.pass); got != c.want {
			t.Errorf("estimateStrength(%q) = %d (%s), want %d", c.pass, got, got.hint(), c.want)
		}
	}
}

func TestSplitNodes(t *testing.T) {
	got := splitNodes(" /ip4/1.2.3.4/tcp/1/p2p/A,\n/ip4/5.6.7.8/tcp/2/p2p/B  ")
	if len(got) != 2 || got[0] != "/ip4/1.2.3.4/tcp/1/p2p/A" || got[1] != "/ip4/5.6.7.8/tcp/2/p2p/B" {
		t.Errorf("splitNodes = %q", got)
	}
	if got := splitNodes("   "); len(got) != 0 {
		t.Errorf("splitNodes(blank) = %q, want none (embedded node)", got)
	}
}

func TestWrapText(t *testing.T) {
	test.NewTempApp(t)
	size := float32(14)
	width := fyne.MeasureText("the quick brown", size, fyne.TextStyle{}).Width
	lines := wrapText("the quick brown fox jumps\nover", width, size, fyne.TextStyle{})
	want := []string{"the quick brown", "fox jumps", "over"}
	if strings.Join(lines, "|") != strings.Join(want, "|") {
		t.Errorf("wrapText = %q, want %q", lines, want)
	}
	long := strings.Repeat("x", 200)
	lines = wrapText(long, width, size, fyne.TextStyle{})
	if len(lines) < 2 || strings.Join(lines, "") != long {
		t.Errorf("a long word was not broken or lost characters: %q", lines)
	}
	for _, l := range lines {
		if w := fyne.MeasureText(l, size, fyne.TextStyle{}).Width; w > width {
			t.Errorf("line %q is %v wide, limit %v", l, w, width)
		}
	}
}

func TestDayLabel(t *testing.T) {
	now := testNow // Wednesday 4 March 2026
	for _, c := range []struct {
		day  time.Time
		want string
	}{
		{now.Add(-time.Hour), "Today"},
		{now.AddDate(0, 0, -1), "Yesterday"},
		{now.AddDate(0, 0, -3), "Sunday"},
		{now.AddDate(0, 0, -30), "Monday, 2 February"},
		{now.AddDate(-1, 0, 0), "4 March 2025"},
	} {
		if got := dayLabel(c.day, now); got != c.want {
			t.Errorf("dayLabel(%v) = %q, want %q", c.day, got, c.want)
		}
	}
}

func TestFormatDigits(t *testing.T) {
	in := "11111 22222 33333 44444 55555 66666 77777 88888 99999 00000 12121 34343"
	want := "11111  22222  33333  44444\n55555  66666  77777  88888\n99999  00000  12121  34343"
	if got := formatDigits(in); got != want {
		t.Errorf("formatDigits = %q, want %q", got, want)
	}
}
