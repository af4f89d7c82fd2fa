#!/usr/bin/env bash
# Installs the Node.js SDK tests' packages (npm couchbase, pinned in package-lock.json) from the lockfile,
# and Node.js itself (Debian's nodejs and npm, as root) if it is missing. Idempotent: nothing happens
# when node_modules already matches the lockfile.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm >/dev/null
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 18 ]; then
  echo "Node.js 18 or later is needed for the Node SDK tests (found $(node --version))" >&2
  exit 1
fi
stamp="$here/node_modules/.kv-installed"
TMPDIR_LOCK=$(mktemp)
trap 'rm -f "$TMPDIR_LOCK"' EXIT
if [ -f "$stamp" ] && [ "$stamp" -nt "$here/package-lock.json" ] && [ -d "$here/node_modules/couchbase" ]; then
  exit 0
fi
cd "$here"
# npm ci would be the tool, but it refuses this lockfile: the SDK lists a Windows binary package as
# optional, the registry reachable here does not have it, so the lockfile cannot name it. npm install
# installs exactly what the lockfile pins (versions and integrity hashes); the lockfile must not move.
cp package-lock.json "$TMPDIR_LOCK" 2>/dev/null || true
npm install --no-audit --no-fund --loglevel=error
if ! cmp -s package-lock.json "$TMPDIR_LOCK"; then
  cp "$TMPDIR_LOCK" package-lock.json
  echo "npm install wanted to change package-lock.json: update it on purpose (npm install) and commit it" >&2
  exit 1
fi
# The native binding comes as an optional package per platform; check that this one loads.
node -e 'require("couchbase")'
touch "$stamp"
echo "installed the Node SDK test packages ($(node -p 'require("couchbase/package.json").version'))"
