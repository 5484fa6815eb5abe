package flink

// The checkpoint statistics are the largest response scraped every cycle
// (the summary and ten history entries of twenty fields each), and with
// encoding/json they took a fifth of the client's CPU. This decoder reads
// only the fields of Checkpoints and skips the rest without reflection;
// whatever it does not handle goes to encoding/json (see lexer).

// decodeCheckpointsFast decodes data like json.Unmarshal into Checkpoints
// would, or reports false.
func decodeCheckpointsFast(data []byte) (Checkpoints, bool) {
	var v Checkpoints
	l := &lexer{b: data}
	f := fields{names: []string{"counts", "summary", "latest", "history"}}
	ok := l.object(func(key []byte) bool {
		i, ok := f.index(key)
		switch {
		case !ok:
			return false
		case i == 0:
			return l.null() || l.counts(&v.Counts)
		case i == 1:
			return l.null() || l.summary(&v.Summary)
		case i == 2:
			return l.null() || l.latest(&v.Latest)
		case i == 3:
			return l.history(&v.History)
		}
		return l.skip()
	})
	return v, ok && l.end()
}

func (l *lexer) counts(c *CheckpointCounts) bool {
	f := fields{names: []string{"restored", "total", "in_progress", "completed", "failed"}}
	dst := [...]*int64{&c.Restored, &c.Total, &c.InProgress, &c.Completed, &c.Failed}
	return l.object(func(key []byte) bool {
		i, ok := f.index(key)
		switch {
		case !ok:
			return false
		case i >= 0:
			return l.int(dst[i])
		}
		return l.skip()
	})
}

func (l *lexer) summary(s *CheckpointSummary) bool {
	f := fields{names: []string{"end_to_end_duration", "state_size", "checkpointed_size"}}
	dst := [...]*MinMaxAvg{&s.EndToEndDuration, &s.StateSize, &s.CheckpointedSize}
	return l.object(func(key []byte) bool {
		i, ok := f.index(key)
		switch {
		case !ok:
			return false
		case i >= 0:
			return l.null() || l.minMaxAvg(dst[i])
		}
		return l.skip()
	})
}

func (l *lexer) minMaxAvg(m *MinMaxAvg) bool {
	f := fields{names: []string{"min", "max", "avg"}}
	dst := [...]*int64{&m.Min, &m.Max, &m.Avg}
	return l.object(func(key []byte) bool {
		i, ok := f.index(key)
		switch {
		case !ok:
			return false
		case i >= 0:
			return l.int(dst[i])
		}
		return l.skip()
	})
}

func (l *lexer) latest(lt *LatestCheckpoints) bool {
	f := fields{names: []string{"completed", "savepoint", "failed", "restored"}}
	dst := [...]**CheckpointStats{&lt.Completed, &lt.Savepoint, &lt.Failed}
	return l.object(func(key []byte) bool {
		i, ok := f.index(key)
		switch {
		case !ok:
			return false
		case i == 3:
			if l.null() {
				lt.Restored = nil
				return true
			}
			lt.Restored = &RestoredCheckpoint{}
			return l.restored(lt.Restored)
		case i >= 0:
			if l.null() {
				*dst[i] = nil
				return true
			}
			*dst[i] = &CheckpointStats{}
			return l.stats(*dst[i])
		}
		return l.skip()
	})
}

func (l *lexer) history(h *[]CheckpointStats) bool {
	if l.null() {
		*h = nil
		return true
	}
	out := make([]CheckpointStats, 0, 10)
	ok := l.array(func() bool {
		out = append(out, CheckpointStats{})
		return l.null() || l.stats(&out[len(out)-1])
	})
	*h = out
	return ok
}

// statsFields are CheckpointStats' JSON names, in the order of stats'
// switch.
var statsFields = [...]string{
	"className", "id", "status", "is_savepoint", "trigger_timestamp", "latest_ack_timestamp",
	"end_to_end_duration", "state_size", "checkpoint_type", "external_path", "failure_timestamp", "failure_message",
	"checkpointed_size",
}

func (l *lexer) stats(c *CheckpointStats) bool {
	f := fields{names: statsFields[:]}
	ints := [...]*int64{1: &c.ID, 4: (*int64)(&c.TriggerTimestamp), 5: (*int64)(&c.LatestAckTimestamp),
		6: &c.EndToEndDuration, 7: &c.StateSize, 10: (*int64)(&c.FailureTimestamp), 12: &c.CheckpointedSize}
	strs := [...]*string{0: &c.ClassName, 2: &c.Status, 8: &c.CheckpointType, 9: &c.ExternalPath, 11: &c.FailureMessage}
	return l.object(func(key []byte) bool {
		i, ok := f.index(key)
		switch {
		case !ok:
			return false
		case i < 0:
			return l.skip()
		case i == 3:
			if l.null() {
				return true
			}
			b, ok := l.bool()
			c.IsSavepoint = b
			return ok
		case i < len(ints) && ints[i] != nil:
			return l.int(ints[i])
		}
		return l.string(strs[i])
	})
}

func (l *lexer) restored(r *RestoredCheckpoint) bool {
	f := fields{names: []string{"id", "restore_timestamp", "is_savepoint", "external_path"}}
	return l.object(func(key []byte) bool {
		i, ok := f.index(key)
		switch {
		case !ok:
			return false
		case i == 0:
			return l.int(&r.ID)
		case i == 1:
			return l.int((*int64)(&r.RestoreTimestamp))
		case i == 2:
			if l.null() {
				return true
			}
			b, ok := l.bool()
			r.IsSavepoint = b
			return ok
		case i == 3:
			return l.string(&r.ExternalPath)
		}
		return l.skip()
	})
}
