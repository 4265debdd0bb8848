#!/usr/bin/env bash
# `make monitoring-check`: the Prometheus files are valid and the alert rules behave as
# their unit tests say (promtool, Debian package `prometheus`).
set -euo pipefail
cd "$(dirname "$0")/prometheus"
command -v promtool >/dev/null 2>&1 || {
  echo "error: promtool is missing (Debian: apt-get install prometheus)" >&2
  exit 1
}
promtool check rules alerts.yml
promtool test rules alerts.test.yml
promtool check config prometheus.yml
