package main

import (
	"bufio"
	"io"
	"strconv"

	"github.com/flinkslo/flinkslo/fleet"
)

// writeWalk writes every series of the views in the text exposition
// format, straight from fleet.LagView.Walk, with no intermediate metric
// objects: what a cached renderer does once per poll. It is the
// benchmark's stand-in for flinkslo's renderer, not a replacement for it.
func writeWalk(w io.Writer, views []*fleet.LagView, perPartition bool) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var line []byte
	for f := range fleet.NumLagFamilies {
		typ := "gauge"
		if f.Counter() {
			typ = "counter"
		}
		_, _ = bw.WriteString("# HELP " + f.Name() + " " + f.Help() + "\n# TYPE " + f.Name() + " " + typ + "\n")
		names := f.Labels()
		emit := func(s *fleet.LagSample) {
			line = append(line[:0], f.Name()...)
			line = append(line, '{')
			for i, n := range names {
				if i > 0 {
					line = append(line, ',')
				}
				line = append(line, n...)
				line = append(line, `="`...)
				switch n {
				case "cluster":
					line = append(line, s.Cluster...)
				case "group":
					line = append(line, s.Group...)
				case "topic":
					line = append(line, s.Topic...)
				case "partition":
					line = strconv.AppendInt(line, int64(s.Partition), 10)
				default:
					line = append(line, s.Label...)
				}
				line = append(line, '"')
			}
			line = append(line, "} "...)
			line = strconv.AppendFloat(line, s.Value, 'g', -1, 64)
			line = append(line, '\n')
			_, _ = bw.Write(line)
		}
		for _, v := range views {
			v.Walk(f, perPartition, emit)
		}
	}
	return bw.Flush()
}

// writeView writes every partition of the views with its time lag's
// error bound, which the exposition does not carry, one per line:
// "group topic partition seconds error known capped".
func writeView(w io.Writer, views []*fleet.LagView) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var line []byte
	for _, v := range views {
		for _, g := range v.Groups {
			for _, t := range g.Topics {
				for _, p := range t.Partitions {
					if p.State != fleet.PartitionMeasured && p.State != fleet.PartitionStale {
						continue
					}
					line = append(line[:0], g.Group...)
					line = append(line, ' ')
					line = append(line, t.Topic...)
					line = append(line, ' ')
					line = strconv.AppendInt(line, int64(p.Partition), 10)
					line = append(line, ' ')
					line = strconv.AppendFloat(line, p.Seconds, 'g', -1, 64)
					line = append(line, ' ')
					line = strconv.AppendFloat(line, p.SecondsError, 'g', -1, 64)
					line = append(line, ' ')
					line = strconv.AppendBool(line, p.SecondsKnown)
					line = append(line, ' ')
					line = strconv.AppendBool(line, p.SecondsCapped)
					line = append(line, '\n')
					_, _ = bw.Write(line)
				}
			}
		}
	}
	return bw.Flush()
}
