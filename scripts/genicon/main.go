// Command genicon writes parley's icon (icon.Image) as a PNG:
//
//	go run ./scripts/genicon -o Icon.png -size 512
package main

import (
	"flag"
	"image/png"
	"log"
	"os"

	"github.com/parley-chat/parley/ui/icon"
)

func main() {
	out := flag.String("o", "Icon.png", "output file")
	size := flag.Int("size", 512, "width and height in pixels")
	flag.Parse()
	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	if err := png.Encode(f, icon.Image(*size)); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}
