package export

import (
	"slices"
	"strings"
	"testing"
)

// The table keeps the rules of the metrics contract (STYLE.md, "Metrics"):
// one entry per name, the flinkslo_ prefix, _total on counters and only
// there, the level's labels first and no label twice, a DogStatsD name
// at most once, DogStatsD-only tags that are not labels too, and a
// function for the entry's level.
func TestFamiliesFollowTheContract(t *testing.T) {
	fams := Families()
	names, dog := map[string]bool{}, map[string]bool{}
	indexes := make([]bool, len(fams))
	for _, f := range fams {
		if names[f.Name] {
			t.Errorf("%s declared twice", f.Name)
		}
		names[f.Name] = true
		if !strings.HasPrefix(f.Name, "flinkslo_") {
			t.Errorf("%s lacks the flinkslo_ prefix", f.Name)
		}
		if (f.Type == Counter) != strings.HasSuffix(f.Name, "_total") {
			t.Errorf("%s is a %s: _total is for counters and every counter has it", f.Name, f.Type)
		}
		level := TargetLabels
		if f.Level == PerJob {
			level = JobLabels
		}
		if !slices.Equal(f.Labels[:len(level)], level) {
			t.Errorf("%s: labels %v do not start with its level's %v", f.Name, f.Labels, level)
		}
		if len(slices.Compact(slices.Sorted(slices.Values(f.Labels)))) != len(f.Labels) || len(f.Labels) > maxLabels {
			t.Errorf("%s: labels %v repeat one or are more than %d", f.Name, f.Labels, maxLabels)
		}
		if (f.Level == PerTarget && f.target == nil) || (f.Level == PerJob && f.job == nil) {
			t.Errorf("%s has no function for its level", f.Name)
		}
		if n := f.DogStatsD.Name; n != "" {
			if dog[n] || f.DogStatsD.Kind == NotSent {
				t.Errorf("%s: DogStatsD name %s used twice or without a kind", f.Name, n)
			}
			dog[n] = true
		}
		if len(f.DogStatsD.Tags) > MaxDogTags {
			t.Errorf("%s has %d DogStatsD-only tags, more than %d", f.Name, len(f.DogStatsD.Tags), MaxDogTags)
		}
		for _, tg := range f.DogStatsD.Tags {
			if tg.Key == "" || tg.Value == nil || slices.Contains(f.Labels, tg.Key) || f.DogStatsD.Kind == NotSent {
				t.Errorf("%s: DogStatsD-only tag %q lacks a key or value, repeats a label, or is on a family not sent", f.Name, tg.Key)
			}
		}
		if f.Help == "" || f.Doc == "" {
			t.Errorf("%s lacks help or README meaning", f.Name)
		}
		indexes[f.Index] = true
	}
	if slices.Contains(indexes, false) {
		t.Errorf("Index is not a permutation of the table: %v", indexes)
	}
}
