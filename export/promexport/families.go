package promexport

import (
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flinkslo/flinkslo/export"
)

// cached ends every HELP: the values come from the background loop, not
// from the scrape that reads them.
const cached = " Cached from the background scrape loop."

// family is a table entry with what rendering it needs, computed once.
type family struct {
	*export.Family
	desc *prometheus.Desc
	typ  prometheus.ValueType
	// order lists label indexes sorted by label name, as registries
	// write them.
	order []int
	// header is the HELP and TYPE lines of each format.
	header [formats][]byte
}

// newFamilies returns the table's families indexed by Family.Index (name
// order, the order a registry writes families in).
func newFamilies(table []*export.Family) []*family {
	out := make([]*family, len(table))
	for _, tf := range table {
		f := &family{Family: tf, typ: prometheus.GaugeValue, order: make([]int, len(tf.Labels))}
		if tf.Type == export.Counter {
			f.typ = prometheus.CounterValue
		}
		for i := range f.order {
			f.order[i] = i
		}
		slices.SortFunc(f.order, func(a, b int) int { return strings.Compare(tf.Labels[a], tf.Labels[b]) })
		help := tf.Help + cached
		f.desc = prometheus.NewDesc(tf.Name, help, tf.Labels, nil)
		f.header[Text] = textHeader(tf.Name, help, tf.Type)
		f.header[OpenMetrics] = openMetricsHeader(tf.Name, help, tf.Type)
		out[tf.Index] = f
	}
	return out
}

func textHeader(name, help string, typ export.Type) []byte {
	h := strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(help)
	return []byte("# HELP " + name + " " + h + "\n# TYPE " + name + " " + typ.String() + "\n")
}

// openMetricsHeader names a counter's family without its _total suffix,
// which only its samples carry (OpenMetrics 1.0, "Counter").
func openMetricsHeader(name, help string, typ export.Type) []byte {
	if typ == export.Counter {
		name = strings.TrimSuffix(name, "_total")
	}
	h := strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`).Replace(help)
	return []byte("# HELP " + name + " " + h + "\n# TYPE " + name + " " + typ.String() + "\n")
}
