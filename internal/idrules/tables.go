package idrules

import "sort"

// region is one GB/T 2260 address code with its full Chinese name; current
// is false for codes no longer in the newest published list.
type region struct {
	code    int32
	name    string
	current bool
}

// Region is the result of looking up a 6-digit address code.
type Region struct {
	Code    string `json:"code"`
	Name    string `json:"name"`
	Current bool   `json:"current"` // still in the newest list (false: abolished or renamed)
}

// provinces[i] is true when i is a province-level code (the first two digits
// of an address code) that appears in GB/T 2260.
var provinces = func() (p [100]bool) {
	for _, r := range regionTable {
		if r.code%10000 == 0 {
			p[r.code/10000] = true
		}
	}
	return p
}()

// regionCodes mirrors regionTable's codes in a compact array, so that the
// binary search touches 16 KB instead of the whole table.
var regionCodes = func() []int32 {
	c := make([]int32, len(regionTable))
	for i, r := range regionTable {
		c[i] = r.code
	}
	return c
}()

// regionLookup finds a 6-digit address code given as an integer, without
// allocating.
func regionLookup(code int32) (region, bool) {
	lo, hi := 0, len(regionCodes)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if regionCodes[m] < code {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(regionCodes) && regionCodes[lo] == code {
		return regionTable[lo], true
	}
	return region{}, false
}

// LookupRegion returns the region for a 6-digit GB/T 2260 address code,
// including codes of abolished regions.
func LookupRegion(code string) (Region, bool) {
	n, ok := digits(code)
	if !ok || len(code) != 6 {
		return Region{}, false
	}
	r, ok := regionLookup(int32(n))
	if !ok {
		return Region{}, false
	}
	return Region{Code: code, Name: r.name, Current: r.current}, true
}

// country is one ISO 3166-1 entry.
type country struct {
	alpha3, alpha2 string
	numeric        int
}

// icaoSpecial lists the codes ICAO Doc 9303 Part 3 allows in the issuing
// state and nationality fields besides ISO 3166-1 alpha-3 ("D" is Germany,
// written "D<<").
var icaoSpecial = map[string]string{
	"D<<": "Germany",
	"GBD": "British Overseas Territories Citizen",
	"GBN": "British National (Overseas)",
	"GBO": "British Overseas Citizen",
	"GBP": "British Protected Person",
	"GBS": "British Subject",
	"UNO": "United Nations Organization official",
	"UNA": "United Nations specialized agency official",
	"UNK": "Resident of Kosovo (UNMIK)",
	"RKS": "Kosovo",
	"XBA": "African Development Bank",
	"XIM": "African Export-Import Bank",
	"XCC": "Caribbean Community (CARICOM)",
	"XCE": "Council of Europe",
	"XCO": "Common Market for Eastern and Southern Africa (COMESA)",
	"XDC": "Southern African Development Community",
	"XEC": "Economic Community of West African States",
	"XES": "Organisation of Eastern Caribbean States",
	"XOM": "Sovereign Military Order of Malta",
	"XPO": "International Criminal Police Organization (INTERPOL)",
	"XXA": "Stateless person",
	"XXB": "Refugee (1951 Convention)",
	"XXC": "Refugee (other)",
	"XXX": "Unspecified nationality",
	"EUE": "European Union",
	"UTO": "Utopia (ICAO specimen)",
}

// countryByAlpha3 finds an ISO 3166-1 country by its alpha-3 code.
func countryByAlpha3(code string) (country, bool) {
	i := sort.Search(len(countryTable), func(i int) bool { return countryTable[i].alpha3 >= code })
	if i < len(countryTable) && countryTable[i].alpha3 == code {
		return countryTable[i], true
	}
	return country{}, false
}

// countryByNumeric finds an ISO 3166-1 country by its numeric code.
func countryByNumeric(n int) (country, bool) {
	for _, c := range countryTable {
		if c.numeric == n {
			return c, true
		}
	}
	return country{}, false
}

// knownStates holds every code KnownStateCode accepts.
var knownStates = func() map[string]bool {
	m := make(map[string]bool, len(countryTable)+len(icaoSpecial))
	for _, c := range countryTable {
		m[c.alpha3] = true
	}
	for c := range icaoSpecial {
		m[c] = true
	}
	return m
}()

// KnownStateCode reports whether code (3 characters, "D<<" for Germany) may
// stand in an MRZ issuing-state or nationality field: an ISO 3166-1 alpha-3
// code or one of ICAO's special codes.
func KnownStateCode(code string) bool { return knownStates[code] }
