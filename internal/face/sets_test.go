package face

// The two image sets. Threshold tuning (DefaultThresholds) looked only at
// tuneSame/tuneDiff/tuneRecapture; the tests and the README report
// reportSame/reportDiff/reportRecapture, whose transformations (and one
// person, camera.jpg) the tuning never saw.

// people are the real photographs in testdata (see testdata/README.md).
var tunePeople = []string{"astronaut.jpg", "pigo.jpg"}
var reportPeople = []string{"astronaut.jpg", "pigo.jpg", "camera.jpg"}

var tuneSame = []transform{
	{"scale0.5", scaled(0.5)},
	{"scale0.3", scaled(0.3)},
	{"jpeg25", jpegQ(25)},
	{"dark0.55", lit(0.55, 1)},
	{"bright", lit(1.25, 0.8)},
	{"rot8", rotated(8)},
	{"crop-tight", cropped(0.2, 0.05, 0.85, 0.75)},
	{"noise8", noisy(8, 1)},
}

var reportSame = []transform{
	{"scale0.4+jpeg40", chain(scaled(0.4), jpegQ(40))},
	{"scale0.25", scaled(0.25)},
	{"scale1.6", scaled(1.6)},
	{"jpeg12", jpegQ(12)},
	{"gamma1.8", lit(1, 1.8)},
	{"gamma0.6", lit(1, 0.6)},
	{"warm-light", warmLight},
	{"rot-12", rotated(-12)},
	{"rot5+jpeg50", chain(rotated(5), jpegQ(50))},
	{"crop-left", cropped(0, 0, 0.8, 0.9)},
	{"noise14", noisy(14, 2)},
}

var tuneRecapture = []transform{
	{"moire6", moire(6, 0.35)},
	{"banding6", banding(6)},
	{"bezel", bezel},
	{"halftone5", halftone(5)},
}

var reportRecapture = []transform{
	{"moire4", moire(4, 0.25)},
	{"moire9+jpeg60", chain(moire(9, 0.4), jpegQ(60))},
	{"banding4", banding(4)},
	{"bezel+jpeg70", chain(bezel, jpegQ(70))},
	{"halftone4", halftone(4)},
	{"halftone7+scale0.6", chain(halftone(7), scaled(0.6))},
}
