package notice

import (
	"context"
	"time"
)

// Component states.
const (
	StateOperational = "operational"
	StateDegraded    = "degraded"
	StateDown        = "down"
	StateMaintenance = "maintenance"
	StateUnknown     = "unknown"
)

// Component is one line of the status page.
type Component struct {
	Name   string `json:"name"`
	State  string `json:"state"`
	Detail string `json:"detail,omitempty"` // no internal error text: a count or an age
}

// Probe measures one component.
type Probe struct {
	Name  string
	Check func(ctx context.Context) (state, detail string)
}

// Day is one day of the last 90 at a glance: the worst state an incident
// or a window gave it.
type Day struct {
	Date  string `json:"date"` // YYYY-MM-DD, Beijing time
	State string `json:"state"`
}

// Report is the status page.
type Report struct {
	Components  []Component `json:"components"`
	Maintenance []Window    `json:"maintenance"` // current and upcoming
	Incidents   []Incident  `json:"incidents"`   // last 90 days, newest first
	Days        []Day       `json:"days"`        // oldest first
}

// Status builds the status page from the probes, windows and incidents.
// During a window the wallet component shows maintenance.
func (s *Service) Status(ctx context.Context, probes []Probe) (*Report, error) {
	now := s.now()
	ws, err := s.Windows(ctx)
	if err != nil {
		return nil, err
	}
	inc, err := s.Incidents(ctx)
	if err != nil {
		return nil, err
	}
	active, _ := s.Active(ctx)
	r := &Report{Components: []Component{}, Maintenance: ws, Incidents: inc}
	for _, p := range probes {
		st, d := p.Check(ctx)
		if p.Name == "wallet" && active != nil {
			st = StateMaintenance
		}
		r.Components = append(r.Components, Component{Name: p.Name, State: st, Detail: d})
	}
	rank := map[string]int{StateOperational: 0, StateMaintenance: 1, StateDegraded: 2, StateDown: 3}
	today := now.In(china)
	start := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, china).AddDate(0, 0, -89)
	for i := range 90 {
		d0 := start.AddDate(0, 0, i)
		d1 := d0.AddDate(0, 0, 1)
		st := StateOperational
		for _, in := range inc {
			end := now
			if in.ResolvedAt != nil {
				end = *in.ResolvedAt
			}
			if in.CreatedAt.Before(d1) && end.After(d0) && rank[StateDegraded] > rank[st] {
				st = StateDegraded
			}
		}
		r.Days = append(r.Days, Day{Date: d0.Format("2006-01-02"), State: st})
	}
	return r, nil
}
