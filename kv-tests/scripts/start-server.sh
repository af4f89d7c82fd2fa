# Sourced by the scripts beside it: start_server LOG [java args...] runs the server jar in the
# background with its output in LOG and waits until it listens; it sets server (the pid), port (MCBP)
# and mgmt (management HTTP), or prints the log and exits. The caller stops $server.
start_server() {
  local log=$1
  shift
  "$@" >"$log" 2>&1 &
  server=$!
  port=""
  mgmt=""
  for _ in $(seq 1 200); do
    port=$(sed -n 's/.*listening on [^ ]*:\([0-9][0-9]*\) (.*/\1/p' "$log" | head -1)
    mgmt=$(sed -n 's/.*management HTTP port \([0-9][0-9]*\).*/\1/p' "$log" | head -1)
    [ -n "$port" ] && [ -n "$mgmt" ] && return 0
    kill -0 $server 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  echo "server did not start" >&2
  cat "$log" >&2
  exit 1
}
