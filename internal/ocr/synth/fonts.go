package synth

import (
	"fmt"
	"os"
	"strings"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gomonobold"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
)

// FontFiles are the Debian font files tried, in order, for CJK text
// (fonts-noto-cjk, else fonts-wqy-zenhei).
var FontFiles = []string{
	"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
	"/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
	"/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
	"/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
}

// Fonts holds the parsed typefaces a Generator draws with.
type Fonts struct {
	cjk  []*sfnt.Font // at least one
	mono *sfnt.Font
	mu   sync.Mutex
	face map[faceKey]font.Face
}

type faceKey struct {
	f    *sfnt.Font
	size int
}

// LoadFonts parses the CJK fonts that exist among FontFiles (the Simplified
// Chinese face of each collection). Errors: none of them is installed.
func LoadFonts() (*Fonts, error) {
	fs := &Fonts{face: map[faceKey]font.Face{}}
	for _, p := range FontFiles {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		c, err := opentype.ParseCollection(b)
		if err != nil {
			continue
		}
		var pick *sfnt.Font
		for i := 0; i < c.NumFonts(); i++ {
			f, err := c.Font(i)
			if err != nil {
				continue
			}
			name, _ := f.Name(nil, sfnt.NameIDFamily)
			if pick == nil || strings.HasSuffix(name, " SC") || strings.Contains(name, "Zen") {
				pick = f
				if strings.HasSuffix(name, " SC") {
					break
				}
			}
		}
		if pick != nil {
			fs.cjk = append(fs.cjk, pick)
		}
	}
	if len(fs.cjk) == 0 {
		return nil, fmt.Errorf("no CJK font found (apt-get install fonts-noto-cjk); tried %s", strings.Join(FontFiles, ", "))
	}
	m, err := opentype.Parse(gomonobold.TTF)
	if err != nil {
		return nil, err
	}
	fs.mono = m
	return fs, nil
}

func (fs *Fonts) faceOf(f *sfnt.Font, size int) font.Face {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	k := faceKey{f, size}
	if fc, ok := fs.face[k]; ok {
		return fc
	}
	fc, err := opentype.NewFace(f, &opentype.FaceOptions{Size: float64(size), DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return nil
	}
	fs.face[k] = fc
	return fc
}
