#!/usr/bin/env bash
# Installs the real tools the tests run against, from Debian's packages:
# promtool and prometheus (package prometheus), etcd (package etcd-server) and
# amtool (package prometheus-alertmanager, for the shipped Alertmanager config),
# and a headless browser for the status pages' tests (package chromium, driven
# by chromedp). Does nothing when they are already there.
set -euo pipefail
need=()
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
command -v etcd >/dev/null 2>&1 || need+=(etcd-server)
command -v amtool >/dev/null 2>&1 || need+=(prometheus-alertmanager)
command -v chromium >/dev/null 2>&1 || need+=(chromium fonts-dejavu-core)
[ ${#need[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# --no-install-recommends: only the binaries; no services are started here.
$sudo apt-get install -y -qq --no-install-recommends $(printf '%s\n' "${need[@]}" | sort -u) >/dev/null
command -v promtool >/dev/null && command -v prometheus >/dev/null && command -v etcd >/dev/null && command -v amtool >/dev/null && command -v chromium >/dev/null
