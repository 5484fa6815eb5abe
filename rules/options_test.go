package rules

import (
	"strings"
	"testing"
)

func TestBuildRejectsObjectivesThatCannotAlert(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		wantErr string // "" = valid
	}{
		{"default", Options{}, ""},
		{"99.99%", Options{Objective: 0.9999}, ""},
		{"93.1%: fast threshold 0.9936", Options{Objective: 0.931}, ""},
		{"93%: fast threshold 1.008 could never be exceeded", Options{Objective: 0.93}, "fast burn alert (14.4× over 1h) could never fire"},
		{"90%, sloth issue 341", Options{Objective: 0.9}, "use an objective above 0.930555555556"},
		{"a percentage passed as a ratio", Options{Objective: 99.5}, "not a ratio between 0 and 1"},
		{"one", Options{Objective: 1}, "not a ratio"},
		{"negative", Options{Objective: -0.5}, "not a ratio"},
		{"checkpoint objective too low", Options{CheckpointObjective: 0.5}, "checkpoint objective 0.5"},
		{"negative for scale", Options{ForScale: -1}, "for scale -1 is negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Build(tt.opts)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("got error %v, want none", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestParseObjective(t *testing.T) {
	tests := []struct {
		in      string
		want    float64
		wantErr bool
	}{
		{"99.9", 0.999, false},
		{"99.5%", 0.995, false},
		{" 95 ", 0.95, false},
		{"100", 0, true},
		{"0", 0, true},
		{"0.995", 0.00995, false}, // a percentage: 0.995% (Build then rejects it)
		{"ninety", 0, true},
		{"", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseObjective(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseObjective(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			}
			if !tt.wantErr && formatFloat(got) != formatFloat(tt.want) {
				t.Errorf("ParseObjective(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}
