#!/usr/bin/env bash
# Builds localhost/kv-frontend:test from docker/Dockerfile with podman, on the locally made base
# image (no registry needed). The jar must be built: mvn -B -q -DskipTests package
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/make-test-base.sh"
"$here/podman.sh" build --format docker --pull=never --network none \
  --build-arg BASE_IMAGE=localhost/kv-test-jre:17 -f "$here/Dockerfile" -t localhost/kv-frontend:test "$here/.." \
  >/dev/null
echo "built localhost/kv-frontend:test"
