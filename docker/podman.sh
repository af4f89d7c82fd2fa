#!/usr/bin/env bash
# podman with the settings that work on a machine without a Docker engine or systemd
# (see ../../shared/docs/container-testing.md): runc with cgroupfs, explicit ulimits,
# and storage under docker/target so nothing outside the checkout is touched.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
state="$here/target/podman"
mkdir -p "$state/root" "$state/runroot"
conf="$state/containers.conf"
if [ ! -f "$conf" ]; then
  cat > "$conf" <<'CONF'
[containers]
default_ulimits = ["nofile=16384:16384", "nproc=16384:16384"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
fi
export CONTAINERS_CONF="$conf"
exec podman --root "$state/root" --runroot "$state/runroot" "$@"
