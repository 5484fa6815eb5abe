#!/usr/bin/env bash
# Measures the real exporter against a simulated fleet served by a separate
# process, as a user would run them:
#   flinkslo-sim fleet --jobmanagers N   (one process, N JobManagers under /jm/NNNN)
#   flinkslo run --config <its config>
# For each N it reports, from the exporter's own /metrics: the duration of a
# full scrape cycle, CPU seconds spent per cycle, resident memory, and the
# time /metrics takes to serve (first scrape after a cycle renders it).
# Usage: scripts/bench-fleet.sh [N ...]   (default: 500 1000 2500 5000)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-500 1000 2500 5000}")
[ $# -eq 0 ] && sizes=(500 1000 2500 5000)
bin=$(mktemp -d)/flinkslo
go build -o "$bin" ./cmd/flinkslo
go build -o "$bin-sim" ./cmd/flinkslo-sim
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

metric() { # name, from a /metrics dump on stdin
  awk -v m="$1" '$1 == m { print $2 }'
}
cycles() { # completed scrape cycles, 0 while the exporter is not up
  local c
  c=$(curl -sf "$url" | metric flinkslo_scrape_cycles_total) || true
  echo "${c:-0}"
}

echo "| JobManagers | cycle (s, median) | CPU-s/cycle | RSS (MiB, max) | /metrics size | /metrics first (ms) | /metrics cached (ms) |"
echo "|---|---|---|---|---|---|---|"
for n in "${sizes[@]}"; do
  fport=$((18100 + RANDOM % 800)); eport=$((19100 + RANDOM % 800))
  "$bin-sim" fleet --jobmanagers "$n" --listen "127.0.0.1:$fport" --print-config --log.level=warn > "$work/fleet.yaml" &
  fleet=$!
  sleep 2
  { echo "scrapeInterval: 15s"; echo "scrapeTimeout: 5s"; echo "maxConcurrentRequests: 128"; cat "$work/fleet.yaml"; } > "$work/run.yaml"
  "$bin" run --config "$work/run.yaml" --web.listen-address "127.0.0.1:$eport" --log.level=warn > /dev/null 2> "$work/run.log" &
  exp=$!
  url="http://127.0.0.1:$eport/metrics"
  # Warm up: the first cycle also reads every job's checkpoint config,
  # details and exception history; measure the steady cycles after it.
  # (Not `curl | grep -q`: grep exits at the first match, curl fails on the
  # closed pipe, and pipefail makes the loop spin forever.)
  until [ "$(cycles)" -ge 2 ]; do sleep 1; done
  m0=$(curl -sf "$url"); c0=$(echo "$m0" | metric flinkslo_scrape_cycles_total); cpu0=$(echo "$m0" | metric process_cpu_seconds_total)
  durations=(); rss=0; first=0; cachedms=0; size=0
  for _ in 1 2 3 4; do
    c=$(cycles)
    until [ "$(cycles)" -gt "$c" ]; do sleep 0.5; done
    # The first scrape after a new cycle renders the snapshot; the next
    # ones are served from the cache.
    first=$(curl -s -o "$work/m" -w '%{time_total}' "$url")
    cachedms=$(curl -s -o /dev/null -w '%{time_total}' "$url")
    size=$(stat -c %s "$work/m")
    durations+=("$(metric flinkslo_scrape_cycle_duration_seconds < "$work/m")")
    r=$(metric process_resident_memory_bytes < "$work/m")
    r=$(printf '%.0f' "$r"); [ "$r" -gt "$rss" ] && rss=$r
  done
  m1=$(curl -sf "$url"); c1=$(echo "$m1" | metric flinkslo_scrape_cycles_total); cpu1=$(echo "$m1" | metric process_cpu_seconds_total)
  median=$(printf '%s\n' "${durations[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  awk -v n="$n" -v med="$median" -v cpu="$(awk -v a="$cpu0" -v b="$cpu1" -v x="$c0" -v y="$c1" 'BEGIN { printf "%.2f", (b - a) / (y - x) }')" \
      -v rss="$rss" -v size="$size" -v first="$first" -v cached="$cachedms" \
      'BEGIN { printf "| %d | %.2f | %s | %.0f | %.1f MB | %.0f | %.0f |\n", n, med, cpu, rss / 1048576, size / 1e6, first * 1000, cached * 1000 }'
  kill "$exp" "$fleet"; wait "$exp" "$fleet" 2>/dev/null || true
done
