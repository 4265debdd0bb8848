# Sourced by the image scripts: Podman with the settings that work where the host is
# itself a container (runc, cgroupfs, no ulimits; deploy/podman/containers.conf), and
# the image names. Override any of them from the environment.
: "${CONTAINERS_CONF:=$PWD/deploy/podman/containers.conf}"
export CONTAINERS_CONF
: "${IMAGE:=localhost/federation-ai:latest}"
: "${LOCAL_BASE:=localhost/federation-base:bookworm}"
: "${BASE:=$LOCAL_BASE}"

pm() { podman --runtime runc "$@"; }

need() {  # need COMMAND PACKAGE: stop with the install hint when COMMAND is missing
  command -v "$1" >/dev/null 2>&1 || {
    echo "error: $1 is missing (Debian: apt-get install $2)" >&2
    exit 1
  }
}
