package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"
	"github.com/skip2/go-qrcode"
)

// qrImage renders payload as a QR code image of the given size in points.
func qrImage(payload string, size float32) fyne.CanvasObject {
	q, err := qrcode.New(payload, qrcode.Medium)
	if err != nil {
		return widget.NewLabel("This is too long for a QR code; share the text instead.")
	}
	img := canvas.NewImageFromImage(q.Image(512))
	img.FillMode = canvas.ImageFillContain
	img.ScaleMode = canvas.ImageScalePixels
	img.SetMinSize(fyne.NewSize(size, size))
	return img
}
