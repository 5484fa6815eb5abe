package main

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// procCPU is the user and system CPU time of process pid so far.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses: utime and
	// stime are the 12th and 13th, in clock ticks (100 a second on Linux).
	_, rest, _ := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// load1 is the one-minute load average: how shared the machine was.
func load1() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

func medians(sts []pollStats) string {
	if len(sts) == 0 {
		return "—"
	}
	med := func(get func(pollStats) float64) float64 {
		v := make([]float64, len(sts))
		for i, s := range sts {
			v[i] = get(s)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	out := fmt.Sprintf("%.2f s / %.2f", med(func(s pollStats) float64 { return s.WallS }), med(func(s pollStats) float64 { return s.CPUS }))
	if k := med(func(s pollStats) float64 { return s.BrokerCPUS }); k > 0 {
		out += fmt.Sprintf(" (kfake %.2f)", k)
	}
	if b := med(func(s pollStats) float64 { return float64(s.Bytes) }); b > 0 {
		out += fmt.Sprintf(", %.0f MB", b/1e6)
	}
	return out
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

func count(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1000:
		return fmt.Sprintf("%dk", n/1000)
	}
	return strconv.Itoa(n)
}
