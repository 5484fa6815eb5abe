package dogstatsd

import (
	"strings"
	"testing"
)

func TestTagValue(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "orders-enricher", "orders-enricher"},
		{"empty is none", "", "none"},
		{"upper case lowered as Datadog does", "RUNNING", "running"},
		{"comma and pipe would split the line", "a,b|c", "a_b_c"},
		{"spaces and symbols", "Kafka → ES v2", "kafka___es_v2"},
		{"allowed punctuation kept", "ns/app:v1.2_x-y", "ns/app:v1.2_x-y"},
		{"unicode letters kept, lowered", "Zürich-Ströme", "zürich-ströme"},
		{"newline", "a\nb", "a_b"},
		{"invalid utf-8", "a\xffb", "a_b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tagValue(tc.in); got != tc.want {
				t.Errorf("tagValue(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// FuzzTagValue: whatever a job or deployment is called, its tag survives
// the DogStatsD wire as one tag with its key, and cleaning is stable.
func FuzzTagValue(f *testing.F) {
	for _, s := range []string{"orders", "", "a,b", "x|#y:z", "Kafka → ES", "\n", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v := tagValue(s)
		if tagValue(v) != v {
			t.Fatalf("tagValue not stable: %q -> %q -> %q", s, v, tagValue(v))
		}
		l, err := parseLine("flinkslo.job.healthy:1|g|#" + tag("job", s) + ",team:x")
		if err != nil {
			t.Fatalf("job %q breaks the line: %v", s, err)
		}
		if got, _ := l.tag("job"); got != v || len(l.Tags) != 2 {
			t.Fatalf("job %q came back as tags %v, want job:%s and team:x", s, l.Tags, v)
		}
		if strings.ContainsAny(v, ",| \n") {
			t.Fatalf("tagValue(%q) = %q keeps a separator", s, v)
		}
	})
}
