package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/veriwallet/veriwallet/internal/screening"
	"github.com/veriwallet/veriwallet/internal/server"
)

// screeningCheck reports on /readyz each list's version and age, or that
// screening is not configured (optional: a fresh install is still ready,
// and its cases are not held for screening).
func screeningCheck(s *screening.Service) server.Check {
	describe := func(vs []screening.ListVersion) string {
		var parts []string
		for _, v := range vs {
			parts = append(parts, fmt.Sprintf("%s version %d (%d entities), imported %s, age %s", v.Source, v.ID, v.Entities,
				v.ImportedAt.Format(time.RFC3339), time.Since(v.ImportedAt).Round(time.Second)))
		}
		return strings.Join(parts, "; ")
	}
	return server.Check{Name: "screening", Optional: true,
		Check: func(ctx context.Context) error {
			vs, err := s.Versions(ctx)
			if err != nil {
				return err
			}
			if len(vs) == 0 {
				return errors.New("not configured: no sanctions or PEP list imported (veriwallet screening import); the screening check is skipped")
			}
			return nil
		},
		Info: func(ctx context.Context) string {
			vs, _ := s.Versions(ctx)
			return describe(vs)
		},
	}
}

var (
	listVersionDesc = prometheus.NewDesc("veriwallet_screening_list_version", "Active version (import id) of each screening list.", []string{"source"}, nil)
	listAgeDesc     = prometheus.NewDesc("veriwallet_screening_list_age_seconds", "Seconds since each screening list's active version was imported.", []string{"source"}, nil)
	listSizeDesc    = prometheus.NewDesc("veriwallet_screening_list_entities", "Entities in each screening list's active version.", []string{"source"}, nil)
)

// screeningCollector exports each list's version, age and size.
type screeningCollector struct{ s *screening.Service }

// Describe implements prometheus.Collector.
func (c screeningCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- listVersionDesc
	ch <- listAgeDesc
	ch <- listSizeDesc
}

// Collect implements prometheus.Collector.
func (c screeningCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	vs, err := c.s.Versions(ctx)
	if err != nil {
		return
	}
	for _, v := range vs {
		ch <- prometheus.MustNewConstMetric(listVersionDesc, prometheus.GaugeValue, float64(v.ID), v.Source)
		ch <- prometheus.MustNewConstMetric(listAgeDesc, prometheus.GaugeValue, time.Since(v.ImportedAt).Seconds(), v.Source)
		ch <- prometheus.MustNewConstMetric(listSizeDesc, prometheus.GaugeValue, float64(v.Entities), v.Source)
	}
}
