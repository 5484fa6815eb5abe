#!/usr/bin/env bash
# Builds golangci-lint from the Go module proxy for `make lint`, pinned, and
# caches it outside the repo so CI on the same machine builds it once.
#
#   GOLANGCI_LINT_VERSION=v2.15.0 ./scripts/build-golangci-lint.sh OUTPUT
#
# golangci-lint's docs prefer their release binaries to `go install`; the
# module proxy is the one source this project's CI can reach, and a pinned
# version checks the same either way. Idempotent: does nothing when OUTPUT
# exists.
set -euo pipefail

out="${1:-}"
version="${GOLANGCI_LINT_VERSION:-v2.15.0}"
if [ -z "$out" ]; then
	echo "usage: GOLANGCI_LINT_VERSION=v2.15.0 $0 OUTPUT" >&2
	exit 2
fi
if [ -x "$out" ]; then
	exit 0
fi
command -v go >/dev/null || { echo "go is required to build golangci-lint" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/golangci-lint-build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export GOFLAGS=-mod=mod GOWORK=off GO111MODULE=on CGO_ENABLED=0 GOBIN="$work/bin"
echo "build-golangci-lint: go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@${version} (a few minutes on a cold cache)" >&2
(cd "$work" && go install -trimpath -ldflags "-s -w -X main.version=${version#v}" "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@${version}")
mkdir -p "$(dirname "$out")"
cp "$work/bin/golangci-lint" "$out.tmp.$$"
chmod 0755 "$out.tmp.$$"
mv "$out.tmp.$$" "$out"
echo "build-golangci-lint: wrote $out" >&2
