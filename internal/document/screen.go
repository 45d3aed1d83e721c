package document

// screenSizes are the native resolutions of common phone, tablet and
// desktop screens (portrait or landscape): a camera never produces them, a
// screenshot always does.
var screenSizes = map[[2]int]bool{}

func init() {
	for _, s := range [][2]int{
		// iPhone
		{640, 1136}, {750, 1334}, {1080, 1920}, {1242, 2208}, {1125, 2436}, {828, 1792}, {1242, 2688},
		{1170, 2532}, {1284, 2778}, {1080, 2340}, {1179, 2556}, {1290, 2796}, {1206, 2622}, {1320, 2868},
		// Android
		{720, 1280}, {720, 1520}, {720, 1600}, {1080, 2160}, {1080, 2220}, {1080, 2280}, {1080, 2300},
		{1080, 2310}, {1080, 2316}, {1080, 2376}, {1080, 2400}, {1080, 2408}, {1080, 2412}, {1080, 2460},
		{1096, 2560}, {1200, 2640}, {1220, 2712}, {1240, 2772}, {1260, 2800}, {1440, 2560}, {1440, 2960},
		{1440, 3040}, {1440, 3088}, {1440, 3120}, {1440, 3200}, {1344, 2992}, {1280, 2856},
		// Tablets
		{1536, 2048}, {1620, 2160}, {1640, 2360}, {1668, 2224}, {1668, 2388}, {2048, 2732}, {1600, 2560},
		// Desktop and laptop
		{1366, 768}, {1280, 800}, {1440, 900}, {1536, 864}, {1600, 900}, {1680, 1050}, {1920, 1080},
		{1920, 1200}, {2560, 1440}, {2560, 1600}, {2880, 1800}, {3024, 1964}, {3456, 2234}, {3840, 2160},
		{2560, 1080}, {3440, 1440}, {1280, 720}, {1280, 1024},
	} {
		screenSizes[[2]int{s[0], s[1]}] = true
		screenSizes[[2]int{s[1], s[0]}] = true
	}
}

// screenScore rates how likely an image is a screenshot or a photo of a
// screen, from 0 to 1: an exact screen resolution without any camera
// metadata is the strong sign; a PNG without camera metadata is a weak one.
func screenScore(format string, w, h int, md metadata) float64 {
	if md.Camera {
		return 0
	}
	s := 0.0
	if screenSizes[[2]int{w, h}] {
		s += 0.8
	}
	if format == FormatPNG {
		s += 0.2
	}
	return s
}
