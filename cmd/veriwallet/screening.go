package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/veriwallet/veriwallet/internal/jobs"
	"github.com/veriwallet/veriwallet/internal/screening"
)

const screeningUsage = `usage: veriwallet screening import --source ofac_csv|un_xml|senzing_json|csv PATH [config flags]
       veriwallet screening search [--dob YYYY-MM-DD] [--country CC] [--limit N] NAME [config flags]

import reads a list file (for ofac_csv, the directory holding sdn.csv, alt.csv,
add.csv and sdn_comments.csv) and makes it the source's new version; a file
that does not parse is refused whole, naming the line or element, and the
previous version stays. Every approved customer is then re-screened in the
background by the server's job queue.

search prints the hits for a name as JSON, as POST /api/v1/review/screening/search does.
`

func screeningCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "import" && args[0] != "search" {
		fmt.Fprint(stderr, screeningUsage)
		return exitCode(2)
	}
	cmd := args[0]
	own := map[string]bool{"source": true}
	if cmd == "search" {
		own = map[string]bool{"dob": true, "country": true, "limit": true}
	}
	mine, rest := splitFlags(args[1:], own)
	fs := flag.NewFlagSet("screening "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	source := fs.String("source", "", "list format: ofac_csv, un_xml, senzing_json or csv")
	dob := fs.String("dob", "", "date of birth YYYY-MM-DD (or YYYY)")
	country := fs.String("country", "", "nationality (ISO code or name)")
	limit := fs.Int("limit", 10, "most hits to print (1-100)")
	fs.Usage = func() {}
	if err := fs.Parse(mine); errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stderr, screeningUsage)
		return exitCode(0)
	} else if err != nil {
		return exitCode(2)
	}
	// The positional argument (PATH or NAME) is the first non-flag word;
	// the rest are configuration flags.
	var words, cfgArgs []string
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		if a == "-h" || a == "--help" || a == "-help" {
			fmt.Fprint(stderr, screeningUsage)
			return exitCode(0)
		}
		if strings.HasPrefix(a, "-") {
			cfgArgs = append(cfgArgs, a)
			if !strings.Contains(a, "=") && i+1 < len(rest) {
				i++
				cfgArgs = append(cfgArgs, rest[i])
			}
			continue
		}
		words = append(words, a)
	}
	if len(words) == 0 {
		fmt.Fprint(stderr, screeningUsage)
		return exitCode(2)
	}
	if cmd == "import" {
		if *source == "" || len(words) != 1 {
			fmt.Fprint(stderr, screeningUsage)
			return exitCode(2)
		}
		return screeningImport(ctx, *source, words[0], cfgArgs, getenv, stdout, stderr)
	}
	a, err := open(ctx, "screening search", cfgArgs, getenv, stderr)
	if err != nil {
		return err
	}
	defer a.db.Close()
	svc := &screening.Service{Store: a.db.Screening(nil)}
	if err := svc.Load(ctx); err != nil {
		return err
	}
	res, err := svc.Search(ctx, screening.Query{Name: strings.Join(words, " "), BirthDate: *dob, Nationality: *country, Limit: *limit})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(res)
}

func screeningImport(ctx context.Context, source, path string, cfgArgs []string, getenv func(string) string, stdout, stderr io.Writer) error {
	a, err := open(ctx, "screening import", cfgArgs, getenv, stderr)
	if err != nil {
		return err
	}
	defer a.db.Close()
	q, err := jobs.New(a.db, a.log, jobs.Options{})
	if err != nil {
		return err
	}
	if err := q.Migrate(ctx); err != nil {
		return err
	}
	bar := newProgress(stderr, "reading "+path)
	p, err := screening.ParseFileProgress(source, path, bar.update)
	bar.finish()
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "parsed %d entities; storing…\n", len(p.Entities))
	svc := &screening.Service{Store: a.db.Screening(q)}
	start := time.Now()
	v, err := svc.Import(ctx, p)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "stored and indexed in %s; re-screening of approved customers queued\n", time.Since(start).Round(time.Millisecond))
	return json.NewEncoder(stdout).Encode(map[string]any{"list_version": v})
}

// progress draws a bar on a terminal and prints a line every 10%
// otherwise.
type progress struct {
	w        io.Writer
	label    string
	tty      bool
	lastPct  int
	lastDraw time.Time
}

func newProgress(w io.Writer, label string) *progress {
	return &progress{w: w, label: label, tty: isTerminal(w), lastPct: -1}
}

func (p *progress) update(done, total int64) {
	if total <= 0 {
		return
	}
	pct := int(done * 100 / total)
	if p.tty {
		if pct == p.lastPct || time.Since(p.lastDraw) < 50*time.Millisecond && pct < 100 {
			return
		}
		n := pct * 30 / 100
		fmt.Fprintf(p.w, "\r%s [%s%s] %3d%%", p.label, strings.Repeat("#", n), strings.Repeat(".", 30-n), pct)
		p.lastDraw = time.Now()
	} else if pct/10 != p.lastPct/10 {
		fmt.Fprintf(p.w, "%s: %d%% (%d of %d bytes)\n", p.label, pct, done, total)
	}
	p.lastPct = pct
}

func (p *progress) finish() {
	if p.tty && p.lastPct >= 0 {
		fmt.Fprintln(p.w)
	}
}
