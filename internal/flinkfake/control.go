package flinkfake

import "fmt"

// SetScenario applies s to the whole JobManager. A job scenario is given to
// every job that can still run and clears any transport scenario; a
// transport scenario (Slow, HTTP500, …) acts on every response.
func (jm *JobManager) SetScenario(s Scenario) {
	jm.mu.Lock()
	defer jm.mu.Unlock()
	if s.transport() {
		jm.transport = s
		return
	}
	jm.transport = Healthy
	now := jm.now()
	for _, j := range jm.jobs {
		jm.apply(j, s, now)
	}
}

// SetJobScenario applies s to the named job; a transport scenario acts on
// that job's endpoints only. The failure kind shapes its exceptions and
// failed checkpoints from now on.
func (jm *JobManager) SetJobScenario(name string, s Scenario, k FailureKind) error {
	jm.mu.Lock()
	defer jm.mu.Unlock()
	j, err := jm.find(name)
	if err != nil {
		return err
	}
	now := jm.now()
	if k != j.failure && !j.terminal() {
		j.switchAt(now, j.scenario, jm.timing)
		j.failure = k
	}
	jm.apply(j, s, now)
	return nil
}

// Failover simulates a JobManager failover with HA: every job that can
// still run keeps its id, gets a new start time, restores its last
// completed checkpoint and starts counting restarts and checkpoints (and
// keeping exceptions) from zero.
func (jm *JobManager) Failover() {
	jm.mu.Lock()
	defer jm.mu.Unlock()
	now := jm.now()
	for _, j := range jm.jobs {
		j.failover(now, jm.timing)
	}
}

// Resubmit cancels the named job and submits it again under a new job id
// with the same scenario, restored from its last completed checkpoint. The
// old job stays listed as CANCELED, as a session cluster keeps it (a FAILED
// job stays FAILED). It returns the new job id.
func (jm *JobManager) Resubmit(name string) (string, error) {
	jm.mu.Lock()
	defer jm.mu.Unlock()
	old, err := jm.find(name)
	if err != nil {
		return "", err
	}
	now := jm.now()
	cp := old.checkpoints(now, jm.timing, old.status(now, jm.timing), 2)
	old.end(now, jm.timing)
	j := jm.params.newJob(name, old.serial+1, old.graph, old.scenario, old.failure, now)
	j.lastID = cp.lastID
	if c := cp.completed; c != nil {
		j.base.restored = 1
		j.restored = &restore{id: c.id, at: now, jobID: c.jobID}
	}
	jm.jobs = append(jm.jobs, j)
	return j.id, nil
}

// AddJob submits a job now and returns its id.
func (jm *JobManager) AddJob(spec JobSpec) string {
	jm.mu.Lock()
	defer jm.mu.Unlock()
	serial := 0
	for _, j := range jm.jobs {
		if j.name == spec.Name {
			serial = max(serial, j.serial+1)
		}
	}
	j := jm.params.newJob(spec.Name, serial, graphFor(spec.Scenario), spec.Scenario, spec.Failure, jm.now())
	jm.jobs = append(jm.jobs, j)
	return j.id
}

// RemoveJob forgets every job of that name, as if the cluster never ran it.
func (jm *JobManager) RemoveJob(name string) error {
	jm.mu.Lock()
	defer jm.mu.Unlock()
	if _, err := jm.find(name); err != nil {
		return err
	}
	kept := jm.jobs[:0]
	for _, j := range jm.jobs {
		if j.name != name {
			kept = append(kept, j)
		}
	}
	jm.jobs = kept
	return nil
}

// Vanish makes the named job disappear between /jobs/overview and its own
// endpoints: it stays listed while /jobs/:jobid and below answer 404 (and
// its metrics an empty list), as when a job ends between two requests.
func (jm *JobManager) Vanish(name string) error {
	return jm.with(name, func(j *job) { j.vanished = true })
}

// SetState reports state verbatim as the named job's state, e.g. "PAUSED"
// from a newer Flink; "" reports the simulated state again.
func (jm *JobManager) SetState(name, state string) error {
	return jm.with(name, func(j *job) { j.override = state })
}

// JobID returns the id of the newest job of that name.
func (jm *JobManager) JobID(name string) (string, error) {
	jm.mu.Lock()
	defer jm.mu.Unlock()
	j, err := jm.find(name)
	if err != nil {
		return "", err
	}
	return j.id, nil
}

func (jm *JobManager) with(name string, f func(*job)) error {
	jm.mu.Lock()
	defer jm.mu.Unlock()
	j, err := jm.find(name)
	if err != nil {
		return err
	}
	f(j)
	return nil
}

// find returns the newest job of that name.
func (jm *JobManager) find(name string) (*job, error) {
	for i := len(jm.jobs) - 1; i >= 0; i-- {
		if jm.jobs[i].name == name {
			return jm.jobs[i], nil
		}
	}
	return nil, fmt.Errorf("flinkfake %s: no job named %q", jm.opts.Cluster, name)
}

// byID returns the job with that id.
func (jm *JobManager) byID(id string) *job {
	for _, j := range jm.jobs {
		if j.id == id {
			return j
		}
	}
	return nil
}

// now is the JobManager's clock in epoch milliseconds, like Flink's.
func (jm *JobManager) now() int64 { return jm.opts.Now().UnixMilli() }
