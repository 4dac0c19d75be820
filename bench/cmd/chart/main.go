// Command chart draws bench/chart.png from the medians that cmd/peers wrote: per throughput
// cell, each library's msg/s relative to bronco, and each library's server CPU time per
// message, as grouped bars. It uses only image/png from the standard library.
//
//	chart -in results.json -out chart.png
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"log"
	"os"
	"slices"
	"strings"
)

// report is the part of cmd/peers' JSON that the chart reads.
type report struct {
	Machine struct {
		Date string `json:"date"`
		CPU  string `json:"cpu"`
	} `json:"machine"`
	Libs    []string                      `json:"libs"`
	Medians map[string]map[string]float64 `json:"medians"`
	// NotApplicable lists per library the keys it has no figure for by design (an external
	// server's deflate cells): the chart marks them N/A instead of leaving a silent gap.
	NotApplicable map[string][]string `json:"not_applicable"`
}

// cells names the rows of cmd/peers' table that the chart draws, with short labels.
var cells = []struct{ key, label string }{
	{"1 conn × 1 in flight × 16 B", "1X1X16B"},
	{"100 conn × 8 in flight × 1 KiB", "100X8X1K"},
	{"1000 conn × 1 in flight × 1 KiB", "1000X1X1K"},
	{"10 conn × 16 in flight × 64 KiB", "10X16X64K"},
	{"1 conn × 1 in flight × 16 B, deflate JSON", "Z 1X1X16B"},
	{"100 conn × 8 in flight × 1 KiB, deflate JSON", "Z 100X8X1K"},
	{"1000 conn × 1 in flight × 1 KiB, deflate JSON", "Z 1000X1X1K"},
	{"10 conn × 16 in flight × 64 KiB, deflate JSON", "Z 10X16X64K"},
}

var palette = []color.RGBA{
	{0xd6, 0x27, 0x28, 0xff}, {0xff, 0x98, 0x96, 0xff}, {0x1f, 0x77, 0xb4, 0xff},
	{0x2c, 0xa0, 0x2c, 0xff}, {0x94, 0x67, 0xbd, 0xff}, {0x8c, 0x56, 0x4b, 0xff},
	{0x7f, 0x7f, 0x7f, 0xff}, {0xbc, 0xbd, 0x22, 0xff},
}

var (
	ink   = color.RGBA{0x22, 0x22, 0x22, 0xff}
	faint = color.RGBA{0xcc, 0xcc, 0xcc, 0xff}
)

func main() {
	in := flag.String("in", "results.json", "JSON written by cmd/peers -json")
	out := flag.String("out", "chart.png", "PNG to write")
	flag.Parse()
	b, err := os.ReadFile(*in)
	if err != nil {
		log.Fatal(err)
	}
	var r report
	if err := json.Unmarshal(b, &r); err != nil {
		log.Fatal(err)
	}
	if len(r.Libs) == 0 {
		log.Fatal("chart: no libraries in " + *in)
	}
	img := render(r)
	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}

const (
	width      = 1200
	panelH     = 300
	marginLeft = 70
	top        = 60
)

// render lays out the title, the legend and the two panels.
func render(r report) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, width, top+2*(panelH+70)+20))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	drawText(img, 10, 8, fmt.Sprintf("bronco vs peers, %s, %s (Z = permessage-deflate JSON)", r.Machine.Date, r.Machine.CPU), ink)
	x := 10
	for i, lib := range r.Libs {
		fill(img, image.Rect(x, 30, x+12, 42), palette[i%len(palette)])
		drawText(img, x+16, 31, lib, ink)
		x += 16 + textWidth(lib) + 20
	}
	ref := r.Libs[0]
	panel(img, r, top, fmt.Sprintf("msg/s relative to %s (higher is better)", ref), "rate ", func(row map[string]float64, lib string) (float64, bool) {
		v, ok := row[lib]
		if !ok || row[ref] == 0 {
			return 0, false
		}
		return v / row[ref], true
	})
	panel(img, r, top+panelH+70, "server cpu us per msg, each cell scaled to its max (lower is better)", "cpu ", func(row map[string]float64, lib string) (float64, bool) {
		v, ok := row[lib]
		return v, ok
	})
	return img
}

// panel draws one grouped bar chart: a group per cell, a bar per library, each bar labelled
// with its value. Relative panels share one scale; absolute ones scale each group alone.
func panel(img *image.RGBA, r report, y0 int, title, prefix string, value func(map[string]float64, string) (float64, bool)) {
	drawText(img, marginLeft, y0, title, ink)
	base := y0 + panelH
	relative := strings.HasPrefix(prefix, "rate")
	globalMax := 0.0
	for _, c := range cells {
		for _, lib := range r.Libs {
			if v, ok := value(r.Medians[prefix+c.key], lib); ok && v > globalMax {
				globalMax = v
			}
		}
	}
	if globalMax == 0 {
		return
	}
	fill(img, image.Rect(marginLeft-4, base, width-10, base+1), ink)
	if relative {
		// The reference line: bronco = 1.
		y := base - int(float64(panelH-50)/globalMax)
		fill(img, image.Rect(marginLeft-4, y, width-10, y+1), faint)
		drawText(img, 10, y-5, "1.0X", ink)
	}
	groupW := (width - marginLeft - 20) / len(cells)
	barW := (groupW - 16) / len(r.Libs)
	for gi, c := range cells {
		row := r.Medians[prefix+c.key]
		scale := globalMax
		if !relative {
			scale = 0
			for _, lib := range r.Libs {
				if v, ok := value(row, lib); ok && v > scale {
					scale = v
				}
			}
		}
		gx := marginLeft + gi*groupW
		for li, lib := range r.Libs {
			bx := gx + li*barW
			if _, has := row[lib]; !has && slices.Contains(r.NotApplicable[lib], prefix+c.key) {
				drawVertical(img, bx+(barW-2)/2-5, base-6, "N/A")
				continue
			}
			v, ok := value(row, lib)
			if !ok || scale == 0 {
				continue
			}
			h := int(v / scale * float64(panelH-50))
			fill(img, image.Rect(bx, base-h, bx+barW-2, base), palette[li%len(palette)])
			label := fmt.Sprintf("%.2g", v)
			if v >= 10 {
				label = fmt.Sprintf("%.0f", v)
			}
			if relative {
				label = fmt.Sprintf("%.2f", v)
			}
			drawVertical(img, bx+(barW-2)/2-5, base-h-6, label)
		}
		drawText(img, gx, base+8, c.label, ink)
	}
}

// drawVertical writes a short value upwards from (x, y), so labels fit narrow bars.
func drawVertical(img *image.RGBA, x, y int, s string) {
	w := textWidth(s)
	tmp := image.NewRGBA(image.Rect(0, 0, w, 5*textScale))
	drawText(tmp, 0, 0, s, ink)
	for ty := 0; ty < 5*textScale; ty++ {
		for tx := 0; tx < w; tx++ {
			if _, _, _, a := tmp.At(tx, ty).RGBA(); a != 0 {
				img.Set(x+ty, y-tx, ink)
			}
		}
	}
}

func fill(img *image.RGBA, r image.Rectangle, c color.Color) {
	draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
}
