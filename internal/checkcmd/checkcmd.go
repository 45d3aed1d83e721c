// Package checkcmd implements `veriwallet check`, which lets operators and
// support staff run veriwallet's identity rules on a single value from the
// command line and read the verdict as JSON on stdout.
//
// Exit status: 0 when the value is valid, 1 when it is not, 2 on a usage
// error (the usage text goes to stderr). Subcommands are kept in a table;
// other packages add theirs (e.g. `check image`, `check document`) with
// Register.
package checkcmd

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/veriwallet/veriwallet/internal/i18n"
	"github.com/veriwallet/veriwallet/internal/idrules"
)

// Exit statuses returned by Run and by every subcommand.
const (
	ExitValid   = 0
	ExitInvalid = 1
	ExitUsage   = 2
)

// Func runs one subcommand. args are the arguments after the subcommand's
// name; it writes JSON to stdout, usage errors to stderr, reads the clock
// only through now, and returns an exit status.
type Func func(args []string, stdout, stderr io.Writer, now func() time.Time) int

type command struct {
	usage string // one line: arguments and what it does
	fn    Func
}

var (
	mu       sync.RWMutex
	commands = map[string]command{}
)

// Register adds the subcommand `check <name>`. usage is a one-line synopsis
// shown in the help text, e.g. "[--at YYYY-MM-DD] FILE  check a document
// image". Registering an empty name, a nil fn or a name twice is a
// programming error and panics (call it from init or main).
func Register(name, usage string, fn Func) {
	mu.Lock()
	defer mu.Unlock()
	if name == "" || fn == nil {
		panic("checkcmd: Register with empty name or nil func")
	}
	if _, dup := commands[name]; dup {
		panic("checkcmd: Register called twice for " + name)
	}
	commands[name] = command{usage: usage, fn: fn}
}

func init() {
	Register("id-number", "[--type auto|cn_resident|hmt_residence|foreign_permanent|hk_macau_travel|tw_travel] [--at YYYY-MM-DD] [--lang en|zh-CN] NUMBER\n\tcheck an identity document number", runIDNumber)
	Register("mrz", "[--at YYYY-MM-DD] [--lang en|zh-CN] LINE1 LINE2 [LINE3]\n\tcheck a passport or ID card machine-readable zone (ICAO 9303)", runMRZ)
	Register("name", "[--expected NAME] [--lang en|zh-CN] TYPED\n\tcheck a name, or compare it with the name on the document", runName)
	Register("phone", "[--region CN] [--lang en|zh-CN] NUMBER\n\tcheck a phone number and print it in E.164", runPhone)
}

// Run executes `veriwallet check` with args (the arguments after "check").
func Run(args []string, stdout, stderr io.Writer, now func() time.Time) int {
	if len(args) == 0 {
		usage(stderr)
		return ExitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		usage(stdout)
		return ExitValid
	}
	mu.RLock()
	cmd, ok := commands[args[0]]
	mu.RUnlock()
	if !ok {
		fmt.Fprintf(stderr, "veriwallet check: unknown subcommand %q\n\n", args[0])
		usage(stderr)
		return ExitUsage
	}
	return cmd.fn(args[1:], stdout, stderr, now)
}

func usage(w io.Writer) {
	mu.RLock()
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "usage: veriwallet check <subcommand> [flags] ARGS")
	fmt.Fprintln(w, "Prints the verdict as JSON; exit status 0 valid, 1 invalid, 2 usage error.")
	fmt.Fprintln(w)
	for _, n := range names {
		fmt.Fprintf(w, "  check %s %s\n", n, commands[n].usage)
	}
	mu.RUnlock()
}

// errUsage marks a usage error already explained on stderr.
var errUsage = errors.New("usage")

// parseInterleaved parses flags that may appear before, between or after
// the positional arguments ("--" ends flag parsing) and returns the
// positional ones.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// flag stops at "--" (consumed) or at the first positional argument.
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// common holds the flags every built-in subcommand accepts.
type common struct {
	lang string
	at   string
}

func newFlagSet(name string, stderr io.Writer, c *common, withAt bool) *flag.FlagSet {
	fs := flag.NewFlagSet("veriwallet check "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.lang, "lang", "en", "language of messages: en or zh-CN")
	if withAt {
		fs.StringVar(&c.at, "at", "", "check as of this date (YYYY-MM-DD; default today)")
	}
	return fs
}

// when returns the date to check at: --at, or today.
func (c *common) when(stderr io.Writer, now func() time.Time) (time.Time, error) {
	if c.at == "" {
		return now(), nil
	}
	d, ok := idrules.ParseDate(c.at)
	if !ok {
		fmt.Fprintf(stderr, "veriwallet check: --at %q is not a date (YYYY-MM-DD)\n", c.at)
		return time.Time{}, errUsage
	}
	return d.Time(), nil
}

func (c *common) language() i18n.Lang { return i18n.Parse(c.lang) }

// reasonJSON is one reason as printed.
type reasonJSON struct {
	Code    string `json:"code"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
	Hint    string `json:"hint"`
	Warning bool   `json:"warning,omitempty"`
}

func reasonsJSON(rs []idrules.Reason, lang i18n.Lang) []reasonJSON {
	out := make([]reasonJSON, 0, len(rs))
	for _, r := range rs {
		out = append(out, reasonJSON{Code: r.Code, Field: r.Field, Message: r.Message.In(lang), Hint: r.Hint.In(lang), Warning: r.Warning})
	}
	return out
}

// emit prints v as one line of JSON and returns the exit status for valid.
func emit(stdout, stderr io.Writer, v any, valid bool) int {
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		fmt.Fprintf(stderr, "veriwallet check: writing output: %v\n", err)
		return ExitInvalid
	}
	if valid {
		return ExitValid
	}
	return ExitInvalid
}

func usageErr(stderr io.Writer, fs *flag.FlagSet, msg string) int {
	fmt.Fprintf(stderr, "veriwallet check: %s\n", msg)
	fs.Usage()
	return ExitUsage
}

func date(d idrules.Date) string { return d.String() }

type regionJSON struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

type idNumberJSON struct {
	Valid       bool         `json:"valid"`
	Type        string       `json:"type"`
	BirthDate   string       `json:"birth_date,omitempty"`
	Sex         string       `json:"sex,omitempty"`
	Age         *int         `json:"age,omitempty"`
	Minor       *bool        `json:"minor,omitempty"`
	Region      *regionJSON  `json:"region,omitempty"`
	Nationality string       `json:"nationality,omitempty"`
	Issuer      string       `json:"issuer,omitempty"`
	Version     string       `json:"version,omitempty"`
	Reasons     []reasonJSON `json:"reasons"`
}

func runIDNumber(args []string, stdout, stderr io.Writer, now func() time.Time) int {
	var c common
	fs := newFlagSet("id-number", stderr, &c, true)
	typ := fs.String("type", "auto", "document type: auto, cn_resident, hmt_residence, foreign_permanent, hk_macau_travel or tw_travel")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return ExitUsage
	}
	if len(pos) != 1 {
		return usageErr(stderr, fs, "id-number takes exactly one NUMBER")
	}
	t := idrules.IDType(*typ)
	if t != idrules.IDAuto && !validType(t) {
		return usageErr(stderr, fs, fmt.Sprintf("unknown --type %q", *typ))
	}
	at, err := c.when(stderr, now)
	if err != nil {
		return ExitUsage
	}
	id, rs := idrules.CheckIDNumber(pos[0], t, at)
	out := idNumberJSON{
		Valid:       idrules.Valid(rs),
		Type:        string(id.Type),
		BirthDate:   date(id.BirthDate),
		Sex:         string(id.Sex),
		Nationality: id.Nationality,
		Issuer:      id.Issuer,
		Version:     id.Version,
		Reasons:     reasonsJSON(rs, c.language()),
	}
	if !id.BirthDate.IsZero() && out.Valid {
		age := id.BirthDate.AgeOn(idrules.DateOf(at))
		minor := age < idrules.MinorAge
		out.Age, out.Minor = &age, &minor
	}
	if id.Region.Code != "" {
		out.Region = &regionJSON{Code: id.Region.Code, Name: id.Region.Name}
	}
	return emit(stdout, stderr, out, out.Valid)
}

func validType(t idrules.IDType) bool {
	for _, k := range idrules.IDTypes {
		if k == t {
			return true
		}
	}
	return false
}

type mrzJSON struct {
	Valid          bool         `json:"valid"`
	Format         string       `json:"format,omitempty"`
	DocumentType   string       `json:"document_type,omitempty"`
	IssuingState   string       `json:"issuing_state,omitempty"`
	DocumentNumber string       `json:"document_number,omitempty"`
	Nationality    string       `json:"nationality,omitempty"`
	BirthDate      string       `json:"birth_date,omitempty"`
	Sex            string       `json:"sex,omitempty"`
	ExpiryDate     string       `json:"expiry_date,omitempty"`
	Surname        string       `json:"surname,omitempty"`
	GivenNames     string       `json:"given_names,omitempty"`
	OptionalData   string       `json:"optional_data,omitempty"`
	OptionalData2  string       `json:"optional_data_2,omitempty"`
	Reasons        []reasonJSON `json:"reasons"`
}

func runMRZ(args []string, stdout, stderr io.Writer, now func() time.Time) int {
	var c common
	fs := newFlagSet("mrz", stderr, &c, true)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return ExitUsage
	}
	if len(pos) == 1 { // one argument holding the whole zone
		pos = strings.Split(strings.ReplaceAll(pos[0], "\r", ""), "\n")
	}
	if len(pos) < 2 || len(pos) > 3 {
		return usageErr(stderr, fs, "mrz takes 2 or 3 LINES")
	}
	at, err := c.when(stderr, now)
	if err != nil {
		return ExitUsage
	}
	m, rs := idrules.ParseMRZ(pos, at)
	out := mrzJSON{
		Valid:          idrules.Valid(rs),
		Format:         m.Format,
		DocumentType:   m.DocumentType,
		IssuingState:   m.IssuingState,
		DocumentNumber: m.DocumentNumber,
		Nationality:    m.Nationality,
		BirthDate:      date(m.BirthDate),
		Sex:            m.Sex,
		ExpiryDate:     date(m.ExpiryDate),
		Surname:        m.Surname,
		GivenNames:     m.GivenNames,
		OptionalData:   m.OptionalData,
		OptionalData2:  m.OptionalData2,
		Reasons:        reasonsJSON(rs, c.language()),
	}
	return emit(stdout, stderr, out, out.Valid)
}

type nameDiffJSON struct {
	Kind     string `json:"kind"`
	Position int    `json:"position"`
	Expected string `json:"expected,omitempty"`
	Typed    string `json:"typed,omitempty"`
}

type nameJSON struct {
	Valid      bool           `json:"valid"`
	Match      *bool          `json:"match,omitempty"`
	Expected   string         `json:"expected,omitempty"`
	Typed      string         `json:"typed,omitempty"`
	Normalized string         `json:"normalized,omitempty"`
	Script     string         `json:"script,omitempty"`
	Diffs      []nameDiffJSON `json:"diffs,omitempty"`
	Reasons    []reasonJSON   `json:"reasons"`
}

func runName(args []string, stdout, stderr io.Writer, _ func() time.Time) int {
	var c common
	fs := newFlagSet("name", stderr, &c, false)
	expected := fs.String("expected", "", "the name on the document; when given, TYPED is compared with it")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return ExitUsage
	}
	if len(pos) != 1 {
		return usageErr(stderr, fs, "name takes exactly one TYPED name (quote it if it has spaces)")
	}
	lang := c.language()
	var out nameJSON
	if *expected == "" {
		n, rs := idrules.CheckName(pos[0])
		out = nameJSON{Valid: idrules.Valid(rs), Normalized: n.Normalized, Script: n.Script, Reasons: reasonsJSON(rs, lang)}
		return emit(stdout, stderr, out, out.Valid)
	}
	cmp := idrules.CompareNames(*expected, pos[0])
	out = nameJSON{Valid: cmp.Match, Match: &cmp.Match, Expected: cmp.Expected, Typed: cmp.Typed, Reasons: reasonsJSON(cmp.Reasons, lang)}
	out.Diffs = make([]nameDiffJSON, 0, len(cmp.Diffs))
	for _, d := range cmp.Diffs {
		out.Diffs = append(out.Diffs, nameDiffJSON(d))
	}
	return emit(stdout, stderr, out, out.Valid)
}

type phoneJSON struct {
	Valid       bool         `json:"valid"`
	E164        string       `json:"e164,omitempty"`
	Region      string       `json:"region,omitempty"`
	CountryCode int          `json:"country_code,omitempty"`
	National    string       `json:"national,omitempty"`
	Type        string       `json:"type,omitempty"`
	Mobile      bool         `json:"mobile"`
	Reasons     []reasonJSON `json:"reasons"`
}

func runPhone(args []string, stdout, stderr io.Writer, _ func() time.Time) int {
	var c common
	fs := newFlagSet("phone", stderr, &c, false)
	region := fs.String("region", "CN", "region (ISO 3166-1 alpha-2) for numbers without +country code")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return ExitUsage
	}
	if len(pos) != 1 {
		return usageErr(stderr, fs, "phone takes exactly one NUMBER (quote it if it has spaces)")
	}
	p, rs := idrules.ParsePhone(pos[0], strings.ToUpper(*region))
	out := phoneJSON{Valid: idrules.Valid(rs), E164: p.E164, Region: p.Region, CountryCode: p.CountryCode,
		National: p.National, Type: p.Type, Mobile: p.Mobile, Reasons: reasonsJSON(rs, c.language())}
	return emit(stdout, stderr, out, out.Valid)
}
