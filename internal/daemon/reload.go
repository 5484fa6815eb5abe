package daemon

import (
	"fmt"
	"reflect"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/flinkslo/flinkslo/collector"
	"github.com/flinkslo/flinkslo/health"
	"github.com/flinkslo/flinkslo/internal/config"
)

// reloadMetrics are Prometheus's and Alertmanager's reload series.
type reloadMetrics struct {
	ok, at prometheus.Gauge
	now    func() time.Time
}

func newReloadMetrics(reg prometheus.Registerer, now func() time.Time) *reloadMetrics {
	f := promauto.With(reg)
	m := &reloadMetrics{
		ok:  f.NewGauge(prometheus.GaugeOpts{Name: "flinkslo_config_last_reload_successful", Help: "1 if the last configuration reload (or the start) succeeded, else 0."}),
		at:  f.NewGauge(prometheus.GaugeOpts{Name: "flinkslo_config_last_reload_success_timestamp_seconds", Help: "When the configuration was last loaded successfully, in seconds since the epoch."}),
		now: now,
	}
	m.succeeded()
	return m
}

func (m *reloadMetrics) succeeded() {
	m.ok.Set(1)
	m.at.Set(float64(m.now().UnixNano()) / 1e9)
}

// Reload re-reads the configuration file and applies what can change while
// flinkslo runs: the static targets, the classify rules and ownership, and
// the health definitions. Changed settings that take effect only after a
// restart are logged by name. A file that does not load, or would not run,
// changes nothing: the running configuration stays, and the error says why.
func (d *Daemon) Reload(path string, o Options) error {
	cfg, err := config.Load(path)
	if err == nil {
		err = cfg.Runnable()
	}
	var p *policySwitch
	if err == nil {
		p, err = newPolicy(cfg, Options{Log: o.Log, Now: o.Now})
	}
	if err != nil {
		d.reload.ok.Set(0)
		d.log.Error("config reload failed, keeping the running configuration", "path", path, "err", err)
		return fmt.Errorf("reload %s: %w", path, err)
	}
	d.static.Set(collector.StaticTargets(cfg))
	d.policy.p.Store(p.p.Load())
	d.Loop.SetHealth(health.FromConfig(cfg.Health))
	restart := needRestart(d.cfg, cfg)
	running := *d.cfg
	running.Targets, running.Classify, running.Health = cfg.Targets, cfg.Classify, cfg.Health
	d.cfg = &running
	d.reload.succeeded()
	d.log.Info("config reloaded: static targets, classify rules and health definitions applied", "path", path, "static_targets", len(cfg.Targets))
	if len(restart) > 0 {
		d.log.Warn("changed settings take effect after a restart", "settings", restart)
	}
	return nil
}

// needRestart lists the top-level settings that differ between the
// running and the new configuration and that Reload does not apply.
func needRestart(running, next *config.Config) []string {
	var out []string
	rv, nv := reflect.ValueOf(running).Elem(), reflect.ValueOf(next).Elem()
	t := rv.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		key := yamlKey(f)
		if !f.IsExported() || key == "" || key == "targets" || key == "classify" || key == "health" {
			continue
		}
		if !reflect.DeepEqual(rv.Field(i).Interface(), nv.Field(i).Interface()) {
			out = append(out, key)
		}
	}
	return out
}

func yamlKey(f reflect.StructField) string {
	tag := f.Tag.Get("yaml")
	for i, c := range tag {
		if c == ',' {
			return tag[:i]
		}
	}
	return tag
}
