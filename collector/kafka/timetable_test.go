package kafka

import (
	"math/rand/v2"
	"testing"
	"time"
)

// The stated error bound holds whatever the production pattern, including
// after the table has been thinned many times: the true age of the record
// at any offset the table covers lies within seconds ± errBound.
func TestTimeTableBound(t *testing.T) {
	tests := []struct {
		name  string
		polls int
		rate  func(r *rand.Rand, poll int) int // records produced before a poll
	}{
		{name: "steady", polls: 20, rate: func(*rand.Rand, int) int { return 100 }},
		{name: "bursty", polls: 50, rate: func(r *rand.Rand, _ int) int { return r.IntN(3) * r.IntN(500) }},
		{name: "idle stretches", polls: 60, rate: func(_ *rand.Rand, i int) int { return map[bool]int{true: 0, false: 40}[i/10%2 == 0] }},
		{name: "long run, thinned", polls: 2000, rate: func(r *rand.Rand, i int) int { return 50 + 40*(i/100%3) + r.IntN(10) }},
	}
	const poll = 15 * time.Second
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			start := time.Unix(1_700_000_000, 0)
			var tab timeTable
			var produced []time.Time // produced[o] is when offset o was written
			for i := range tt.polls {
				at := start.Add(time.Duration(i) * poll)
				for range tt.rate(r, i) {
					// Written somewhere in the interval before this poll.
					produced = append(produced, at.Add(-time.Duration(r.Int64N(int64(poll)))))
				}
				tab.add(int64(len(produced)), at, -1)
				if tab.len() > tablePoints {
					t.Fatalf("table grew to %d points", tab.len())
				}
			}
			now := start.Add(time.Duration(tt.polls) * poll)
			first, _ := tab.at(0)
			for range 500 {
				if int64(len(produced)) <= first {
					break
				}
				off := first + r.Int64N(int64(len(produced))-first)
				est := tab.lookup(off, now, time.Hour, noAnchor)
				truth := now.Sub(produced[off]).Seconds()
				if !est.known || truth < est.seconds-est.errBound-1e-9 || truth > est.seconds+est.errBound+1e-9 {
					t.Fatalf("offset %d: true age %.1fs outside %.1f ± %.1f (known %v)", off, truth, est.seconds, est.errBound, est.known)
				}
			}
		})
	}
}

func TestTimeTableEdges(t *testing.T) {
	at := func(s int) time.Time { return time.Unix(int64(1000+s), 0) }
	t.Run("truncated log resets the history", func(t *testing.T) {
		var tab timeTable
		tab.add(100, at(0), -1)
		tab.add(200, at(10), -1)
		tab.add(50, at(20), -1)
		if off, _ := tab.at(0); tab.len() != 1 || off != 50 {
			t.Errorf("points = %v, want only the new end offset", tab.points())
		}
	})
	t.Run("out of order poll ignored", func(t *testing.T) {
		var tab timeTable
		tab.add(100, at(10), -1)
		tab.add(200, at(5), -1)
		if tab.len() != 1 {
			t.Errorf("points = %v, want the earlier poll dropped", tab.points())
		}
	})
	t.Run("flat stretch keeps its first and latest point", func(t *testing.T) {
		var tab timeTable
		for s := range 10 {
			tab.add(100, at(s), -1)
		}
		_, first := tab.at(0)
		_, last := tab.at(1)
		if tab.len() != 2 || first != at(0).UnixMilli() || last != at(9).UnixMilli() {
			t.Errorf("points = %v, want first and latest", tab.points())
		}
	})
	t.Run("empty table knows nothing", func(t *testing.T) {
		var tab timeTable
		if est := tab.lookup(5, at(0), 0, noAnchor); est.known {
			t.Errorf("lookup on an empty table = %+v", est)
		}
	})
}

// Trimming below the oldest committed offset keeps what lookups of it and
// of later offsets need, gives the points back to the store, and leaves
// estimates unchanged.
func TestTimeTableTrim(t *testing.T) {
	var tab timeTable
	start := time.Unix(1_700_000_000, 0)
	for i := range tablePoints {
		tab.add(int64(100*i), start.Add(time.Duration(i)*10*time.Second), -1)
	}
	now := start.Add(200 * time.Second)
	before := tab.lookup(1350, now, time.Hour, noAnchor)
	tab.add(2000, now, 1350)
	if off, _ := tab.at(0); off != 1300 {
		t.Errorf("first point after trim at offset %d, want 1300 (the bracket of 1350)", off)
	}
	if tab.len() != 4 {
		t.Errorf("%d points after the trim, want 4", tab.len())
	}
	var s tableSlab
	ref := s.store(tableRef{}, &tab)
	if room := tableClasses[classFor(int(ref.n))] - 1; room > 8 {
		t.Errorf("stored in room for %d points, want at most 8", room)
	}
	if after := tab.lookup(1350, now, time.Hour, noAnchor); after != before {
		t.Errorf("estimate changed by the trim: %+v, was %+v", after, before)
	}
}

// A table shared by a group six hours behind (so nothing is trimmed) and
// groups close to the end, after six hours of steady production and
// thinning: the close groups' brackets stay within timeLag auto's
// tolerance, so they need no record reads, and every bracket widens with
// age rather than at the newest end.
func TestTimeTableThinsOldHistoryFirst(t *testing.T) {
	const poll = 15 * time.Second
	r := rand.New(rand.NewPCG(5, 6))
	start := time.Unix(1_700_000_000, 0)
	var tab timeTable
	var end int64
	const polls = 6 * 3600 / 15
	for i := range polls {
		end += 100 + r.Int64N(20)
		tab.add(end, start.Add(time.Duration(i)*poll), 0) // the far group commits offset 0
	}
	now := start.Add((polls - 1) * poll)
	for behind := int64(1); behind <= 4; behind++ { // records one to four polls old
		est := tab.lookup(end-behind*100, now, time.Hour, noAnchor)
		if tol := autoTolerance(est.seconds, poll); !est.known || est.errBound > tol {
			t.Errorf("%d polls behind: %.0fs ± %.0fs, want within auto's %.0fs", behind, est.seconds, est.errBound, tol)
		}
	}
	for i := 1; i < tab.len(); i++ {
		o, _ := tab.at(i)
		est := tab.lookup(o-1, now, time.Hour, noAnchor)
		if est.errBound > poll.Seconds()+1.5*est.seconds {
			t.Errorf("bracket below offset %d: %.0fs ± %.0fs, wider than 1.5 times its age", o, est.seconds, est.errBound)
		}
	}
}
