#!/usr/bin/env bash
# Measures the real exporter against a simulated fleet served by a separate
# process, as a user would run them:
#   flinkslo-sim fleet --jobmanagers N   (one process, N JobManagers under /jm/NNNN)
#   flinkslo run --config <its config>
# For each N it reports the duration of a full scrape cycle (the exporter's
# own gauge), the exporter's CPU seconds per cycle, resident memory, and
# the time /metrics takes to serve (the first scrape after a cycle renders
# it, later ones are served from the cache).
#
# CPU is read from /proc/<pid>/stat, not from process_cpu_seconds_total:
# every look at /metrics costs the exporter CPU, so the script's own
# polling would be billed to the scrape. The measured window spans four
# cycles; the script sleeps through most of it and polls /metrics only to
# find its two ends. Those polls are counted, their cost is measured
# apart (scrapes of /metrics between cycles) and reported, and the
# "scrape" column is the window's CPU less that cost: the cycle alone,
# with no Prometheus scrape.
# Usage: scripts/bench-fleet.sh [N ...]   (default: 500 1000 2500 5000)
# Environment: DETAIL_INTERVAL (the exporter's detailInterval, default 1m;
# 0s turns the detail reads off), CHECKPOINT_INTERVAL (how often the fleet's
# jobs checkpoint, default 10s).
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-500 1000 2500 5000}")
[ $# -eq 0 ] && sizes=(500 1000 2500 5000)
interval=15
bin=$(mktemp -d)/flinkslo
go build -o "$bin" ./cmd/flinkslo
go build -o "$bin-sim" ./cmd/flinkslo-sim
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
hz=$(getconf CLK_TCK)

metric() { # name, from a /metrics dump on stdin
  awk -v m="$1" '$1 == m { print $2 }'
}
cycles() { # completed scrape cycles, 0 while the exporter is not up
  local c
  c=$(curl -sf "$url" | metric flinkslo_scrape_cycles_total) || true
  echo "${c:-0}"
}
cpu() { # CPU seconds the exporter used so far (utime + stime)
  awk -v hz="$hz" '{ sub(/^.*\) /, ""); printf "%.2f\n", ($12 + $13) / hz }' "/proc/$exp/stat"
}
next_cycle() { # waits for the cycle after the current one
  local c
  c=$(cycles)
  until [ "$(cycles)" -gt "$c" ]; do sleep 0.5; done
}

echo "| JobManagers | cycle (s, median) | CPU-s/cycle, window | script's polls (CPU-s/cycle) | CPU-s/cycle, scrape only | RSS (MiB, max) | /metrics size | /metrics first (ms, CPU-s) | /metrics cached (ms, CPU-s) |"
echo "|---|---|---|---|---|---|---|---|---|"
for n in "${sizes[@]}"; do
  fport=$((18100 + RANDOM % 800)); eport=$((19100 + RANDOM % 800))
  "$bin-sim" fleet --jobmanagers "$n" --checkpoint-interval "${CHECKPOINT_INTERVAL:-10s}" --listen "127.0.0.1:$fport" --print-config --log.level=warn > "$work/fleet.yaml" &
  fleet=$!
  sleep 2
  { echo "scrapeInterval: ${interval}s"; echo "scrapeTimeout: 5s"; echo "maxConcurrentRequests: 128"; echo "detailInterval: ${DETAIL_INTERVAL:-1m}"; cat "$work/fleet.yaml"; } > "$work/run.yaml"
  "$bin" run --config "$work/run.yaml" --web.listen-address "127.0.0.1:$eport" --log.level=warn > /dev/null 2> "$work/run.log" &
  exp=$!
  url="http://127.0.0.1:$eport/metrics"
  # Warm up: the first cycle also reads every job's checkpoint config,
  # details and exception history; measure the steady cycles after it.
  # (Not `curl | grep -q`: grep exits at the first match, curl fails on the
  # closed pipe, and pipefail makes the loop spin forever.)
  until [ "$(cycles)" -ge 2 ]; do sleep 1; done
  next_cycle
  c0=$(cycles); cpu0=$(cpu); polls=1
  sleep $((4 * interval - 4))
  until [ "$(cycles)" -ge $((c0 + 4)) ]; do polls=$((polls + 1)); sleep 0.5; done
  cpu1=$(cpu); c1=$(cycles); inwindow=$polls
  # What one look at /metrics costs, measured between cycles: the first
  # after a cycle renders, the rest are cached.
  durations=(); rss=0; first=0; cachedms=0; size=0; firstcpu=0; cachedcpu=0
  for _ in 1 2 3; do
    next_cycle
    a=$(cpu)
    first=$(curl -s -o "$work/m" -w '%{time_total}' "$url")
    b=$(cpu)
    cachedms=$(curl -s -o /dev/null -w '%{time_total}' "$url")
    for _ in 1 2 3 4 5 6 7 8 9; do curl -s -o /dev/null "$url"; done
    c=$(cpu)
    firstcpu=$(awk -v a="$a" -v b="$b" -v f="$firstcpu" 'BEGIN { print f + (b - a) / 3 }')
    cachedcpu=$(awk -v b="$b" -v c="$c" -v f="$cachedcpu" 'BEGIN { print f + (c - b) / 30 }')
    size=$(stat -c %s "$work/m")
    durations+=("$(metric flinkslo_scrape_cycle_duration_seconds < "$work/m")")
    r=$(metric process_resident_memory_bytes < "$work/m")
    r=$(printf '%.0f' "$r"); [ "$r" -gt "$rss" ] && rss=$r
  done
  median=$(printf '%s\n' "${durations[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  # Two of the window's polls render (the first look at the third cycle
  # and the one that sees the fourth); the others are cached looks.
  awk -v n="$n" -v med="$median" -v cpu0="$cpu0" -v cpu1="$cpu1" -v c0="$c0" -v c1="$c1" -v polls="$inwindow" \
      -v fc="$firstcpu" -v cc="$cachedcpu" -v rss="$rss" -v size="$size" -v first="$first" -v cached="$cachedms" \
      'BEGIN { k = c1 - c0; win = (cpu1 - cpu0) / k; renders = 2; if (renders > polls) renders = polls;
               pc = (renders * fc + (polls - renders) * cc) / k;
               printf "| %d | %.2f | %.2f | %d polls, %.2f | %.2f | %.0f | %.1f MB | %.0f, %.3f | %.0f, %.3f |\n",
                 n, med, win, polls, pc, win - pc, rss / 1048576, size / 1e6, first * 1000, fc, cached * 1000, cc }'
  kill "$exp" "$fleet"; wait "$exp" "$fleet" 2>/dev/null || true
done
