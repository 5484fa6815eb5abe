#!/usr/bin/env bash
# Builds Helm from the Go module proxy for the chart tests in deploy/
# (helm lint, helm template), and caches it outside the repo so CI on the
# same machine builds it once.
#
#   HELM_VERSION=v4.3.2 ./scripts/build-helm.sh OUTPUT
#
# helm.sh/helm/v4 has no replace directives, so `go install module@version`
# builds it as released; the version is stamped as Helm's own Makefile does,
# so `helm version` reports it. Idempotent: does nothing when OUTPUT exists.
set -euo pipefail

out="${1:-${FLINKSLO_HELM:-}}"
version="${HELM_VERSION:-v4.3.2}"
if [ -z "$out" ]; then
	echo "usage: HELM_VERSION=v4.3.2 $0 OUTPUT" >&2
	exit 2
fi
if [ -x "$out" ]; then
	exit 0
fi
command -v go >/dev/null || { echo "go is required to build helm" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/helm-build.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# Never let the caller's module settings leak into the build.
export GOFLAGS=-mod=mod GOWORK=off GO111MODULE=on CGO_ENABLED=0 GOBIN="$work/bin"

major="${version%%.*}"
ldflags="-s -w -X helm.sh/helm/${major}/internal/version.version=${version} -X helm.sh/helm/${major}/internal/version.gitTreeState=clean"
echo "build-helm: go install helm.sh/helm/${major}/cmd/helm@${version} (a few minutes on a cold cache)" >&2
(cd "$work" && go install -trimpath -ldflags "$ldflags" "helm.sh/helm/${major}/cmd/helm@${version}")

mkdir -p "$(dirname "$out")"
# Move into place atomically so a half-written binary is never cached.
cp "$work/bin/helm" "$out.tmp.$$"
chmod 0755 "$out.tmp.$$"
mv "$out.tmp.$$" "$out"
echo "build-helm: wrote $out" >&2
