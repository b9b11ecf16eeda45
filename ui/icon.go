package ui

import (
	"image"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"

	"github.com/parley-chat/parley/ui/icon"
)

var logoImage = sync.OnceValue(func() image.Image { return icon.Image(192) })

// logo is the icon as a canvas object of the given size in points.
func logo(size float32) fyne.CanvasObject {
	img := canvas.NewImageFromImage(logoImage())
	img.FillMode = canvas.ImageFillContain
	img.SetMinSize(fyne.NewSize(size, size))
	return img
}
