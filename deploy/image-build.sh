#!/usr/bin/env bash
# Build the service image with Podman: deploy/image-build.sh (or `make image`).
#
# BASE (build argument of the Dockerfile) defaults to a local Debian bookworm image made
# from Debian's packages with mmdebstrap (python3, python3-venv, ca-certificates), for
# hosts that reach no container registry: it is built once and kept, and its root
# filesystem tarball is cached in $BASE_CACHE, so later builds start from it. With a
# registry, BASE=python:3.11-slim works the same. pip in the build reaches the package
# index through the host network and trusts the host's CA bundle ($PIP_CA).
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/podman-env.sh

SUITE=bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
BASE_CACHE=${BASE_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/federation-image}
PIP_CA=${PIP_CA:-/etc/ssl/certs/ca-certificates.crt}

need podman podman
command -v runc >/dev/null 2>&1 || [ -x /usr/sbin/runc ] || need runc runc

build_base_tarball() {  # a minimal bookworm root filesystem with Python 3.11
  need mmdebstrap mmdebstrap
  mkdir -p "$BASE_CACHE"
  local tarball=$1 partial="$1.partial" log="$BASE_CACHE/mmdebstrap.log"
  rm -rf "$partial"
  # merged-usr hook: the debootstrap layout without the usrmerge package (and its perl)
  if ! mmdebstrap --variant=minbase --format=tar \
    --include=python3,python3-venv,ca-certificates \
    --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    "$SUITE" "$partial" \
    "deb $MIRROR $SUITE main" \
    "deb $MIRROR $SUITE-updates main" \
    "deb $SECURITY_MIRROR $SUITE-security main" >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    rm -rf "$partial"
    echo "error: mmdebstrap failed (log: $log)" >&2
    exit 1
  fi
  mv "$partial" "$tarball"
}

ensure_local_base() {
  if [ "${REBUILD_BASE:-0}" = 1 ]; then
    pm rmi -f "$LOCAL_BASE" >/dev/null 2>&1 || true
    rm -f "$BASE_CACHE/base-$SUITE.tar"
  fi
  if pm image exists "$LOCAL_BASE"; then
    echo "base: $LOCAL_BASE (kept from an earlier build)"
    return
  fi
  local tarball="$BASE_CACHE/base-$SUITE.tar"
  if [ -s "$tarball" ]; then
    echo "base: importing the cached $tarball"
  else
    echo "base: building $SUITE from $MIRROR with mmdebstrap"
    build_base_tarball "$tarball"
  fi
  pm import --quiet \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["/bin/bash"]' \
    "$tarball" "$LOCAL_BASE" >/dev/null
}

started=$SECONDS
if [ "$BASE" = "$LOCAL_BASE" ]; then
  ensure_local_base
fi
base_done=$SECONDS

secret=()
if [ -s "$PIP_CA" ]; then
  secret=(--secret "id=pip-ca,src=$PIP_CA")
fi
previous=$(pm image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# --format docker: the OCI image format has no HEALTHCHECK
if ! pm build --network host --format docker --layers \
  --build-arg "BASE=$BASE" "${secret[@]}" -t "$IMAGE" -f Dockerfile . >"$log" 2>&1; then
  tail -n 40 "$log" >&2
  echo "error: the image build failed" >&2
  exit 1
fi
current=$(pm image inspect --format '{{.Id}}' "$IMAGE")
if [ -n "$previous" ] && [ "$previous" != "$current" ]; then
  pm rmi "$previous" >/dev/null 2>&1 || true  # the image it replaces (its layers stay as cache)
fi
echo "image: $IMAGE on $BASE, $(pm image inspect --format '{{.Size}}' "$IMAGE" \
  | awk '{printf "%.0f MB", $1 / 1e6}')"
echo "time: base $((base_done - started)) s, image $((SECONDS - base_done)) s"
