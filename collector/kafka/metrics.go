package kafka

import (
	"strconv"

	"github.com/flinkslo/flinkslo/fleet"
	"github.com/prometheus/client_golang/prometheus"
)

var _ prometheus.Collector = (*Collector)(nil)

// descs are the families' descriptions, built once per Collector so no
// package state is shared.
type descs [fleet.NumLagFamilies]*prometheus.Desc

func newDescs() descs {
	var d descs
	for f := range fleet.NumLagFamilies {
		d[f] = prometheus.NewDesc(f.Name(), f.Help(), f.Labels(), nil)
	}
	return d
}

// Describe sends every metric description.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

// Collect emits the latest published views as constant metrics, so groups,
// topics and partitions that vanished from the last poll vanish here, and
// nothing is emitted for a cluster that could not be read. It walks the
// views family by family (fleet.LagView.Walk).
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	views := c.Views()
	var lv []string
	emit := func(s *fleet.LagSample) {
		lv = append(lv[:0], s.Cluster)
		if s.Group != "" {
			lv = append(lv, s.Group)
		}
		if s.Topic != "" {
			lv = append(lv, s.Topic)
		}
		if s.Partition >= 0 {
			lv = append(lv, strconv.Itoa(int(s.Partition)))
		}
		if s.Label != "" {
			lv = append(lv, s.Label)
		}
		vt := prometheus.GaugeValue
		if s.Family.Counter() {
			vt = prometheus.CounterValue
		}
		ch <- prometheus.MustNewConstMetric(c.descs[s.Family], vt, s.Value, lv...)
	}
	for f := range fleet.NumLagFamilies {
		for _, v := range views {
			v.Walk(f, c.perPart, emit)
		}
	}
}
