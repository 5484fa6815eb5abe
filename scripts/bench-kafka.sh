#!/usr/bin/env bash
# Measures the Kafka lag collector against a fake cluster holding a known
# fleet (internal/kafkafake LagFleet: N groups × P partitions, one topic
# per group, known committed and end offsets and record timestamps). Three
# processes, so that one's CPU and memory do not count as another's: a
# kfake broker, the collector (kafka.New, polled on request, /metrics the
# cached exposition flinkslo serves, export/promexport with KafkaSource)
# and a driver that polls, scrapes and checks every
# series against the truth. See collector/kafka/internal/lagbench.
#
# Usage: scripts/bench-kafka.sh [lagbench flags], for example
#   scripts/bench-kafka.sh -sizes 500x64,5000x20,10000x20 -rounds 12
#   scripts/bench-kafka.sh -sizes 50000x20 -rounds 180 -advance-every 0 -csv rss.csv  # 30 min
# Flags: -sizes GxP,… -rounds N -interval 10s -timelag auto|interpolate|record
#   -per-partition -groups-by targets|allow -advance-every K (0: static lags)
#   -check-every K -gzip=true|false -gather every|last|never -csv FILE (every poll: RSS over time)
#   -memlimit MiB (the exporter's soft memory limit, as GOMEMLIMIT) -gogc N (default 75, as flinkslo run)
# A million partitions need about 5 GiB for kfake itself.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(mktemp -d)/lagbench
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -o "$bin" ./collector/kafka/internal/lagbench
echo "$(date -u +%F): $(nproc) CPUs ($(lscpu | sed -n 's/^Model name: *//p')), $(free -g | awk '/^Mem:/ {print $2}') GiB, $(uname -sr), $(go version | cut -d' ' -f3)"
"$bin" "$@"
