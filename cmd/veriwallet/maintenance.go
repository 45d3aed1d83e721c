package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/veriwallet/veriwallet/internal/notice"
)

const maintenanceUsage = `usage: veriwallet maintenance start --for DURATION [--note-en TEXT --note-zh TEXT] [config flags]
       veriwallet maintenance schedule --start RFC3339 --end RFC3339 [--note-en TEXT --note-zh TEXT] [config flags]
       veriwallet maintenance stop [config flags]

During a window verification submissions are held (on_hold) and decided when it
ends; wallet writes answer 503 with Retry-After; reads keep working.
`

// maintenance runs `veriwallet maintenance start|stop|schedule`.
func maintenance(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "start" && args[0] != "stop" && args[0] != "schedule") {
		fmt.Fprint(stderr, maintenanceUsage)
		return exitCode(2)
	}
	cmd := args[0]
	mine, rest := splitFlags(args[1:], map[string]bool{"for": true, "start": true, "end": true, "note-en": true, "note-zh": true})
	fs := flag.NewFlagSet("maintenance "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dur := fs.Duration("for", time.Hour, "start: how long the window lasts")
	start := fs.String("start", "", "schedule: when the window starts (RFC 3339)")
	end := fs.String("end", "", "schedule: when the window ends (RFC 3339)")
	noteEN := fs.String("note-en", "", "what customers are told, in English")
	noteZH := fs.String("note-zh", "", "what customers are told, in Chinese")
	fs.Usage = func() { fmt.Fprint(stderr, maintenanceUsage); fs.PrintDefaults() }
	if err := fs.Parse(mine); errors.Is(err, flag.ErrHelp) {
		return exitCode(0)
	} else if err != nil {
		return exitCode(2)
	}
	var from, to time.Time
	if cmd == "schedule" {
		var err1, err2 error
		from, err1 = time.Parse(time.RFC3339, *start)
		to, err2 = time.Parse(time.RFC3339, *end)
		if err1 != nil || err2 != nil {
			fmt.Fprintln(stderr, "maintenance schedule: give --start and --end as RFC 3339 times, e.g. 2026-12-05T02:00:00+08:00")
			return exitCode(2)
		}
	}
	w, err := open(ctx, "maintenance "+cmd, rest, getenv, stderr)
	if err != nil {
		return err
	}
	defer w.db.Close()
	svc := &notice.Service{Store: w.db.Notices()}
	note := notice.Text{EN: *noteEN, ZH: *noteZH}
	var out any
	switch cmd {
	case "start":
		out, err = svc.Start(ctx, *dur, note)
	case "schedule":
		out, err = svc.Schedule(ctx, from, to, note)
	case "stop":
		var n int
		n, err = svc.Stop(ctx)
		out = map[string]int{"stopped": n}
	}
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(out)
}
