package collector

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/flinkslo/flinkslo/health"
)

// stateFile persists counter baselines so that the `_total` series
// continue where they were after an exporter restart: without it a counter
// restarts from Flink's current value, and Prometheus would count the
// increments since the last JobMaster start a second time.
type stateFile struct {
	path string
	Jobs map[string]health.Counters `json:"jobs"`
}

func loadStateFile(path string) (*stateFile, error) {
	sf := &stateFile{path: path, Jobs: map[string]health.Counters{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return sf, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read state file: %w", err)
	}
	if err := json.Unmarshal(b, sf); err != nil {
		return nil, fmt.Errorf("decode state file %s: %w", path, err)
	}
	if sf.Jobs == nil {
		sf.Jobs = map[string]health.Counters{}
	}
	return sf, nil
}

func stateKey(target, job string) string { return target + "\x00" + job }

// restore seeds a new job state from the file.
func (sf *stateFile) restore(target, job string, js *jobState) {
	if c, ok := sf.Jobs[stateKey(target, job)]; ok {
		js.mem.Counters = c
	}
}

// write replaces the file atomically with the current counters.
func (sf *stateFile) write(jobs map[string]health.Counters) error {
	sf.Jobs = jobs
	b, err := json.Marshal(sf)
	if err != nil {
		return fmt.Errorf("encode state file: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(sf.path), ".flinkslo-state-*")
	if err != nil {
		return fmt.Errorf("write state file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("write state file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write state file: %w", err)
	}
	if err := os.Rename(tmp.Name(), sf.path); err != nil {
		return fmt.Errorf("write state file: %w", err)
	}
	return nil
}

// saveState writes the counters of every job after a cycle.
func (l *Loop) saveState() {
	if l.state == nil {
		return
	}
	l.mu.Lock()
	jobs := make(map[string]health.Counters)
	for key, st := range l.targets {
		for name, js := range st.jobs {
			jobs[stateKey(key, name)] = js.mem.Counters
		}
	}
	l.mu.Unlock()
	if err := l.state.write(jobs); err != nil {
		l.stateErrors.Inc()
		l.log.Warn("state file not written, counters will restart from Flink's values after a restart", "err", err)
	}
}
