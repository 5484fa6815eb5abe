#!/usr/bin/env bash
# Copies the Prometheus Operator's CRDs for the objects flinkslo ships
# (ServiceMonitor, PodMonitor, PrometheusRule) out of the operator's Go
# module into a cache folder, for the server-side dry-run tests in deploy/.
#
#   PROMETHEUS_OPERATOR_VERSION=v0.94.0 ./scripts/fetch-prometheus-operator-crds.sh DIR
#
# The module github.com/prometheus-operator/prometheus-operator carries the
# released CRDs in example/prometheus-operator-crd/; the Go module proxy
# serves it like any module, so nothing but the proxy is needed.
# Idempotent: does nothing when DIR already holds them.
set -euo pipefail

out="${1:-${FLINKSLO_PROMETHEUS_OPERATOR_CRDS:-}}"
version="${PROMETHEUS_OPERATOR_VERSION:-v0.94.0}"
if [ -z "$out" ]; then
	echo "usage: PROMETHEUS_OPERATOR_VERSION=v0.94.0 $0 DIR" >&2
	exit 2
fi
crds=(servicemonitors podmonitors prometheusrules)
if [ -f "$out/monitoring.coreos.com_prometheusrules.yaml" ]; then
	exit 0
fi
command -v go >/dev/null || { echo "go is required to fetch the Prometheus Operator CRDs" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/prometheus-operator-crds.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cd "$work"
export GOFLAGS=-mod=mod GOWORK=off GO111MODULE=on

dir="$(go mod download -json "github.com/prometheus-operator/prometheus-operator@${version}" |
	sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
src="$dir/example/prometheus-operator-crd"
if [ ! -d "$src" ]; then
	echo "fetch-prometheus-operator-crds: no $src in prometheus-operator@${version}" >&2
	exit 1
fi
mkdir -p "$work/crds"
for c in "${crds[@]}"; do
	cp "$src/monitoring.coreos.com_${c}.yaml" "$work/crds/"
done
chmod 0644 "$work"/crds/*
mkdir -p "$(dirname "$out")"
rm -rf "$out.tmp.$$"
mv "$work/crds" "$out.tmp.$$"
rm -rf "$out"
mv "$out.tmp.$$" "$out"
echo "fetch-prometheus-operator-crds: wrote ${crds[*]} to $out" >&2
