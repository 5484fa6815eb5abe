//go:build race

package flink

// raceEnabled: the race detector slows the exhaustive tests tenfold, so
// they sample more sparsely under it.
const raceEnabled = true
