package icon

import "testing"

func TestImage(t *testing.T) {
	img := Image(64)
	if b := img.Bounds(); b.Dx() != 64 || b.Dy() != 64 {
		t.Fatalf("Image(64) is %v", b)
	}
	if _, _, _, a := img.At(0, 0).RGBA(); a != 0 {
		t.Errorf("corner alpha = %d, want transparent (rounded square)", a)
	}
	if r, g, b, a := img.At(20, 20).RGBA(); a != 0xffff || r != 0xffff || g != 0xffff || b != 0xffff {
		t.Errorf("bubble pixel = %d %d %d %d, want opaque white", r, g, b, a)
	}
}
