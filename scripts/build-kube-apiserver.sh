#!/usr/bin/env bash
# Builds a real kube-apiserver from the Go module proxy for the end-to-end
# tests in internal/kubetest, and caches it outside the repo so CI on the same
# machine builds it once.
#
#   KUBE_VERSION=v1.34.2 ./scripts/build-kube-apiserver.sh OUTPUT
#
# k8s.io/kubernetes points its k8s.io/* staging modules at local folders
# (replace => ./staging/src/k8s.io/<name>), so it cannot be built with a plain
# `go install`. A throwaway helper module requires it and replaces each
# staging module with its published version (v0.X.Y for v1.X.Y).
# Idempotent: does nothing when OUTPUT already exists.
set -euo pipefail

out="${1:-${FLINKSLO_KUBE_APISERVER:-}}"
version="${KUBE_VERSION:-v1.34.2}"
if [ -z "$out" ]; then
	echo "usage: KUBE_VERSION=v1.34.2 $0 OUTPUT" >&2
	exit 2
fi
if [ -x "$out" ]; then
	exit 0
fi
command -v go >/dev/null || { echo "go is required to build kube-apiserver" >&2; exit 1; }

# v1.34.2 -> v0.34.2: the staging modules are published with major 0.
staging_version="v0.${version#v1.}"

work="$(mktemp -d "${TMPDIR:-/tmp}/kube-apiserver-build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cd "$work"

# Never let the caller's module settings leak into the helper module.
export GOFLAGS=-mod=mod GOWORK=off GO111MODULE=on CGO_ENABLED=0

echo "build-kube-apiserver: resolving k8s.io/kubernetes@${version}" >&2
modfile="$(go mod download -json "k8s.io/kubernetes@${version}" |
	sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
if [ ! -f "$modfile" ]; then
	echo "build-kube-apiserver: no go.mod for k8s.io/kubernetes@${version}" >&2
	exit 1
fi

# Staging modules are the replace lines pointing into ./staging/src.
mapfile -t staging < <(sed -n 's#^[[:space:]]*\(k8s.io/[^[:space:]]*\) => ./staging/src/.*#\1#p' "$modfile" | sort -u)
if [ "${#staging[@]}" -eq 0 ]; then
	echo "build-kube-apiserver: found no staging modules in $modfile" >&2
	exit 1
fi

{
	echo "module kubeapiserverbuild"
	echo
	echo "go $(go env GOVERSION | sed 's/^go\([0-9]*\.[0-9]*\).*/\1/')"
	echo
	echo "require k8s.io/kubernetes ${version}"
	echo
	echo "replace ("
	for m in "${staging[@]}"; do
		echo "	${m} => ${m} ${staging_version}"
	done
	echo ")"
} >go.mod

cat >tools.go <<'EOF'
//go:build tools

package tools

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
EOF

echo "build-kube-apiserver: go mod tidy (${#staging[@]} staging modules at ${staging_version})" >&2
go mod tidy
echo "build-kube-apiserver: go build (several minutes on a cold cache)" >&2
# Stamp the version as the Kubernetes release build does, so /version
# reports it rather than v0.0.0-master.
minor="${version#v1.}"
minor="${minor%%.*}"
vpkg=k8s.io/component-base/version
ldflags="-s -w -X ${vpkg}.gitVersion=${version} -X ${vpkg}.gitMajor=1 -X ${vpkg}.gitMinor=${minor} -X ${vpkg}.gitTreeState=clean"
go build -trimpath -ldflags "$ldflags" -o kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver

mkdir -p "$(dirname "$out")"
# Move into place atomically so a half-written binary is never cached.
cp kube-apiserver "$out.tmp.$$"
chmod 0755 "$out.tmp.$$"
mv "$out.tmp.$$" "$out"
echo "build-kube-apiserver: wrote $out" >&2
