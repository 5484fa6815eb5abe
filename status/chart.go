package status

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strings"
	"time"
)

// The timeline's geometry, in SVG user units; the chart scales to the
// width of the page.
const (
	chartWidth = 1000
	chartLeft  = 110 // row labels
	chartRight = 10
	bandHeight = 22
	tickHeight = 26
	lineHeight = 60
	rowGap     = 14
	axisHeight = 22
	columns    = 250 // events and lag are summed or maxed per column
)

// chartRow is one labelled row of the timeline.
type chartRow struct {
	label  string
	height int
	draw   func(b *strings.Builder, y int)
}

// timelineSVG draws a job's timeline: health bands with their reasons,
// restarts, checkpoint completions and failures, and Kafka lag. Every
// value written is a number or escaped text, so the result is safe HTML.
func timelineSVG(id string, t *Timeline) template.HTML {
	if t == nil || len(t.Points) == 0 {
		return ""
	}
	c := newCanvas(t)
	rows := []chartRow{{"Health", bandHeight, c.bands}}
	if c.any(func(p *Point) bool { return p.Restarts > 0 }) {
		rows = append(rows, chartRow{"Restarts", tickHeight, c.restarts})
	}
	if c.any(func(p *Point) bool { return p.Checkpoints > 0 || p.CheckpointFailed > 0 }) {
		rows = append(rows, chartRow{"Checkpoints", tickHeight, c.checkpoints})
	}
	if c.any(func(p *Point) bool { return p.LagRecords != nil }) {
		rows = append(rows, chartRow{"Kafka lag (records)", lineHeight, c.lag(func(p *Point) *float64 { return p.LagRecords }, "lag-records", formatCount)})
	}
	if c.any(func(p *Point) bool { return p.LagSeconds != nil }) {
		rows = append(rows, chartRow{"Kafka time lag", lineHeight, c.lag(func(p *Point) *float64 { return p.LagSeconds }, "lag-seconds", formatSeconds)})
	}
	height := axisHeight + 4
	for _, r := range rows {
		height += r.height + rowGap
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="timeline" id="%s" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-title %s-desc" preserveAspectRatio="none">`,
		id, chartWidth, height, id, id)
	fmt.Fprintf(&b, `<title id="%s-title">Timeline from %s to %s</title>`, id, utc(t.From), utc(t.To))
	fmt.Fprintf(&b, `<desc id="%s-desc">%s</desc>`, id, html.EscapeString(c.describe()))
	y := 4
	for _, r := range rows {
		fmt.Fprintf(&b, `<text class="label" x="0" y="%d">%s</text>`, y+r.height/2+4, html.EscapeString(r.label))
		r.draw(&b, y)
		y += r.height + rowGap
	}
	c.axis(&b, y)
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // numbers and escaped text only
}

// canvas maps a timeline onto the chart's width.
type canvas struct {
	t        *Timeline
	from, to time.Time
	step     time.Duration // the usual time between two points
}

func newCanvas(t *Timeline) *canvas {
	c := &canvas{t: t, from: t.From, to: t.To}
	// The usual interval is the median gap between fine points.
	var gaps []time.Duration
	for i := 1; i < len(t.Points) && len(gaps) < 512; i++ {
		if d := t.Points[i].From.Sub(t.Points[i-1].To); d > 0 && t.Points[i].Cycles == 1 {
			gaps = append(gaps, d)
		}
	}
	c.step = 15 * time.Second
	if len(gaps) > 0 {
		c.step = median(gaps)
	}
	c.to = c.to.Add(c.step)
	return c
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s[len(s)/2]
}

func (c *canvas) x(t time.Time) float64 {
	span := c.to.Sub(c.from)
	if span <= 0 {
		return chartLeft
	}
	return chartLeft + float64(t.Sub(c.from))/float64(span)*(chartWidth-chartLeft-chartRight)
}

func (c *canvas) any(f func(*Point) bool) bool {
	for i := range c.t.Points {
		if f(&c.t.Points[i]) {
			return true
		}
	}
	return false
}

// end is where point i stops: the next point, unless the gap to it is a
// hole in the history (the exporter was down).
func (c *canvas) end(i int) time.Time {
	p := &c.t.Points[i]
	if p.Cycles > 1 {
		return p.To.Add(c.step)
	}
	if i+1 < len(c.t.Points) {
		if next := c.t.Points[i+1].From; next.Sub(p.To) <= 3*c.step {
			return next
		}
	}
	return p.To.Add(c.step)
}

// status is a point's band: healthy, unhealthy, suspended or down.
func status(p *Point) string {
	switch {
	case p.Expected == 0:
		return "suspended"
	case p.Healthy == p.Expected:
		return "healthy"
	case p.Down:
		return "down"
	}
	return "unhealthy"
}

func (c *canvas) bands(b *strings.Builder, y int) {
	pts := c.t.Points
	for i := 0; i < len(pts); {
		st, reasons := status(&pts[i]), strings.Join(pts[i].Reasons, ", ")
		j, end := i, c.end(i)
		for j+1 < len(pts) && end.Equal(pts[j+1].From) && status(&pts[j+1]) == st && strings.Join(pts[j+1].Reasons, ", ") == reasons {
			j++
			end = c.end(j)
		}
		x0, x1 := c.x(pts[i].From), c.x(end)
		title := fmt.Sprintf("%s %s – %s", st, clock(pts[i].From), clock(end))
		if reasons != "" {
			title += ": " + reasons
		}
		if st == "healthy" || st == "suspended" {
			// nothing more to say
		} else if n := bucketHealthy(pts[i : j+1]); n != "" {
			title += " (" + n + ")"
		}
		fmt.Fprintf(b, `<rect class="band %s" x="%.1f" y="%d" width="%.1f" height="%d"><title>%s</title></rect>`,
			st, x0, y, math.Max(x1-x0, 0.8), bandHeight, html.EscapeString(title))
		i = j + 1
	}
}

// bucketHealthy says how healthy a run of buckets was, when it was not
// all one thing.
func bucketHealthy(pts []Point) string {
	var h, e int
	for _, p := range pts {
		if p.Cycles <= 1 {
			return ""
		}
		h, e = h+p.Healthy, e+p.Expected
	}
	if e == 0 {
		return ""
	}
	return formatRatio(float64(h)/float64(e)) + " healthy"
}

// column sums or maxes a value per column of the chart.
func (c *canvas) column(f func(*Point) float64, sum bool) []float64 {
	out := make([]float64, columns)
	for i := range c.t.Points {
		p := &c.t.Points[i]
		k := int((c.x(p.From) - chartLeft) / (chartWidth - chartLeft - chartRight) * columns)
		k = min(max(k, 0), columns-1)
		if v := f(p); sum {
			out[k] += v
		} else {
			out[k] = math.Max(out[k], v)
		}
	}
	return out
}

const colWidth = float64(chartWidth-chartLeft-chartRight) / columns

func (c *canvas) restarts(b *strings.Builder, y int) {
	col := c.column(func(p *Point) float64 { return float64(p.Restarts) }, true)
	top := maxOf(col)
	for k, v := range col {
		if v == 0 {
			continue
		}
		h := math.Max(6, float64(tickHeight)*v/top)
		fmt.Fprintf(b, `<rect class="restart" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%g restarts</title></rect>`,
			chartLeft+float64(k)*colWidth, float64(y+tickHeight)-h, math.Max(colWidth-0.5, 1.5), h, v)
	}
}

func (c *canvas) checkpoints(b *strings.Builder, y int) {
	ok := c.column(func(p *Point) float64 { return float64(p.Checkpoints) }, true)
	failed := c.column(func(p *Point) float64 { return float64(p.CheckpointFailed) }, true)
	top := math.Max(maxOf(ok), maxOf(failed))
	half := float64(tickHeight) / 2
	for k := range ok {
		x := chartLeft + float64(k)*colWidth
		if v := ok[k]; v > 0 {
			h := math.Max(2, half*v/top)
			fmt.Fprintf(b, `<rect class="checkpoint" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%g completed</title></rect>`,
				x, float64(y)+half-h, math.Max(colWidth-0.5, 1), h, v)
		}
		if v := failed[k]; v > 0 {
			h := math.Max(4, half*v/top)
			fmt.Fprintf(b, `<rect class="checkpoint-failed" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%g failed</title></rect>`,
				x, float64(y)+half, math.Max(colWidth-0.5, 1.5), h, v)
		}
	}
	fmt.Fprintf(b, `<line class="baseline" x1="%d" x2="%d" y1="%.1f" y2="%.1f"/>`, chartLeft, chartWidth-chartRight, float64(y)+half, float64(y)+half)
}

// lag draws a line of the largest value per column, breaking it where
// the value was not measured.
func (c *canvas) lag(get func(*Point) *float64, class string, format func(float64) string) func(*strings.Builder, int) {
	return func(b *strings.Builder, y int) {
		// The largest value per column; a column that starts after a hole
		// in the history starts a new line.
		col := make([]float64, columns)
		seen := make([]bool, columns)
		gap := make([]bool, columns)
		var prev time.Time
		for i := range c.t.Points {
			p := &c.t.Points[i]
			v := get(p)
			if v == nil {
				prev = time.Time{}
				continue
			}
			k := min(max(int((c.x(p.From)-chartLeft)/(chartWidth-chartLeft-chartRight)*columns), 0), columns-1)
			if !seen[k] {
				gap[k] = prev.IsZero() || p.From.Sub(prev) > 3*c.step
			}
			col[k], seen[k] = math.Max(col[k], *v), true
			prev = p.To
		}
		top := maxOf(col)
		if top == 0 {
			top = 1
		}
		fmt.Fprintf(b, `<line class="baseline" x1="%d" x2="%d" y1="%d" y2="%d"/>`, chartLeft, chartWidth-chartRight, y+lineHeight, y+lineHeight)
		var path strings.Builder
		for k := range col {
			if !seen[k] {
				continue
			}
			cmd := 'L'
			if gap[k] {
				cmd = 'M'
			}
			fmt.Fprintf(&path, "%c%.1f %.1f", cmd, chartLeft+(float64(k)+0.5)*colWidth, float64(y+lineHeight)-float64(lineHeight-4)*col[k]/top)
		}
		fmt.Fprintf(b, `<path class="%s" d="%s"/>`, class, path.String())
		fmt.Fprintf(b, `<text class="scale" x="%d" y="%d">max %s</text>`, chartLeft+4, y+10, html.EscapeString(format(maxOf(col))))
	}
}

func maxOf(vs []float64) float64 {
	m := 0.0
	for _, v := range vs {
		m = math.Max(m, v)
	}
	return m
}

// axis writes time ticks at a round step.
func (c *canvas) axis(b *strings.Builder, y int) {
	span := c.to.Sub(c.from)
	step := time.Minute
	for _, s := range []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour} {
		step = s
		if span/s <= 8 {
			break
		}
	}
	fmt.Fprintf(b, `<line class="axis" x1="%d" x2="%d" y1="%d" y2="%d"/>`, chartLeft, chartWidth-chartRight, y, y)
	for t := c.from.Truncate(step).Add(step); t.Before(c.to); t = t.Add(step) {
		x := c.x(t)
		fmt.Fprintf(b, `<line class="tick" x1="%.1f" x2="%.1f" y1="%d" y2="%d"/><text class="time" x="%.1f" y="%d">%s</text>`,
			x, x, y, y+4, x, y+16, clock(t))
	}
}

// describe is the chart in words, for screen readers.
func (c *canvas) describe() string {
	var h, e, restarts, ok, failed int
	var lag float64
	for _, p := range c.t.Points {
		h, e = h+p.Healthy, e+p.Expected
		restarts, ok, failed = restarts+p.Restarts, ok+p.Checkpoints, failed+p.CheckpointFailed
		if p.LagRecords != nil {
			lag = math.Max(lag, *p.LagRecords)
		}
	}
	s := "Not expected to run in this window"
	if e > 0 {
		s = "Healthy " + formatRatio(float64(h)/float64(e)) + " of the time it was expected to run"
	}
	s += fmt.Sprintf("; %d restarts; %d checkpoints completed, %d failed", restarts, ok, failed)
	if c.any(func(p *Point) bool { return p.LagRecords != nil }) {
		s += "; Kafka lag up to " + formatCount(lag) + " records"
	}
	return s + "."
}

func clock(t time.Time) string { return t.UTC().Format("15:04") }
