// Package icon draws parley's icon with the standard library only, so that
// the icon generator (scripts/genicon) builds on every platform without Fyne.
package icon

import (
	"image"
	"image/color"
	"math"
)

// Image draws parley's icon (a white speech bubble with three dots on a
// blue-to-teal rounded square) at size×size pixels. scripts/genicon writes it
// to Icon.png; the GUI shows it on the first-run and unlock screens. Safe for
// concurrent use.
func Image(size int) image.Image {
	const ss = 4 // supersampling per axis
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	for y := range size {
		for x := range size {
			var r, g, b, a float64
			for sy := range ss {
				for sx := range ss {
					u := (float64(x) + (float64(sx)+0.5)/ss) / float64(size)
					v := (float64(y) + (float64(sy)+0.5)/ss) / float64(size)
					c := iconSample(u, v)
					r += c[0] * c[3]
					g += c[1] * c[3]
					b += c[2] * c[3]
					a += c[3]
				}
			}
			if a == 0 {
				continue
			}
			img.SetNRGBA(x, y, color.NRGBA{uint8(r / a * 255), uint8(g / a * 255), uint8(b / a * 255), uint8(a / ss / ss * 255)})
		}
	}
	return img
}

// iconSample is the icon's colour at (u, v) in [0,1]², as RGBA in [0,1].
func iconSample(u, v float64) [4]float64 {
	if !inRoundRect(u, v, 0.04, 0.04, 0.96, 0.96, 0.22) {
		return [4]float64{}
	}
	// Background: diagonal gradient from blue to teal.
	t := (u + v) / 2
	bg := [4]float64{0.16 + 0.0*t, 0.40 + 0.30*t, 0.86 - 0.20*t, 1}
	white := [4]float64{1, 1, 1, 1}
	inBubble := inRoundRect(u, v, 0.20, 0.24, 0.80, 0.66, 0.13) ||
		inTriangle(u, v, [2]float64{0.30, 0.60}, [2]float64{0.46, 0.64}, [2]float64{0.25, 0.80})
	if !inBubble {
		return bg
	}
	for _, cx := range []float64{0.36, 0.50, 0.64} {
		if math.Hypot(u-cx, v-0.45) < 0.045 {
			return bg
		}
	}
	return white
}

func inRoundRect(u, v, x0, y0, x1, y1, r float64) bool {
	if u < x0 || u > x1 || v < y0 || v > y1 {
		return false
	}
	cx := math.Max(x0+r, math.Min(u, x1-r))
	cy := math.Max(y0+r, math.Min(v, y1-r))
	return math.Hypot(u-cx, v-cy) <= r
}

func inTriangle(u, v float64, a, b, c [2]float64) bool {
	side := func(p, q [2]float64) float64 { return (u-q[0])*(p[1]-q[1]) - (p[0]-q[0])*(v-q[1]) }
	d1, d2, d3 := side(a, b), side(b, c), side(c, a)
	neg := d1 < 0 || d2 < 0 || d3 < 0
	pos := d1 > 0 || d2 > 0 || d3 > 0
	return !(neg && pos)
}
