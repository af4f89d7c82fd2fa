#!/usr/bin/env bash
# kv-frontend against the project's speed reference, memcached 1.6, under memcaslap (binary
# protocol, 16-key multi-gets), both servers pinned to one core and the load generator to another,
# measured alternately (memcached, kv-frontend, memcached, ...) for ROUNDS rounds per workload.
# Prints medians and kv-frontend / memcached ratios of throughput and of server CPU per request,
# and writes them to kv-tests/target/bench/vs-memcached.txt (raw per-run figures beside it).
#
# Loopback only; both servers are started on free 127.0.0.1 ports and stopped by pid on exit.
# Installs memcached and libmemcached-tools (memcaslap) with apt-get if they are missing.
#
# memcaslap never overwrites: every set stores a new key, so the data a run leaves behind grows
# with its set count. The defaults keep it under kv-frontend's 256 MiB bucket quota (charged as key
# + value + 96 B per item: 150k x 1152 B ~ 173 MB, 540k x 384 B ~ 207 MB); a FLUSH before each run
# starts every run empty. Over the quota kv-frontend answers ETMPFAIL, which memcaslap prints as
# "Unknown error" and the table counts as errors.
#
# Knobs (environment): ROUNDS (5), OPS_GET / OPS_SET (operations per run), CONCURRENCY (16
# connections), DIVISION (16 keys per multi-get), SERVER_CPU (0), CLIENT_CPU (1), MC_THREADS (2,
# as many as kv-frontend's event loops on one CPU), KV_JAVA_OPTS, RUN_TIMEOUT (s per run),
# SKIP_BUILD=1 (use the existing kv-frontend/target/kv-frontend.jar), KV_JAR (another kv-frontend jar, e.g.
# one built from an older commit, to compare before and after through their ratios to memcached).
# kv-frontend runs with --no-auth, as memcached runs without authentication.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out_dir="$root/kv-tests/target/bench"
result="$out_dir/vs-memcached.txt"
raw="$out_dir/vs-memcached-runs.tsv"
work="$out_dir/vs-memcached-work"
jar="${KV_JAR:-$root/kv-frontend/target/kv-frontend.jar}"

ROUNDS="${ROUNDS:-5}"
OPS_GET="${OPS_GET:-1500000}"
OPS_SET="${OPS_SET:-600000}"
CONCURRENCY="${CONCURRENCY:-16}"
DIVISION="${DIVISION:-16}"
SERVER_CPU="${SERVER_CPU:-0}"
CLIENT_CPU="${CLIENT_CPU:-1}"
MC_THREADS="${MC_THREADS:-2}"
KV_JAVA_OPTS="${KV_JAVA_OPTS:--XX:+UseParallelGC -Xms1g -Xmx1g -XX:+AlwaysPreTouch}"
RUN_TIMEOUT="${RUN_TIMEOUT:-180}"

# ---------------------------------------------------------------- tools

missing=()
command -v memcached >/dev/null 2>&1 || missing+=(memcached)
command -v memcaslap >/dev/null 2>&1 || command -v memaslap >/dev/null 2>&1 || missing+=(libmemcached-tools)
command -v taskset >/dev/null 2>&1 || missing+=(util-linux)
if ((${#missing[@]})); then
    echo "installing ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
slap="$(command -v memcaslap || command -v memaslap)"

if [[ "${SKIP_BUILD:-0}" != 1 || ! -f "$jar" ]]; then
    (cd "$root" && mvn -B -q -DskipTests package)
fi

mkdir -p "$out_dir" "$work"
rm -f "$result" "$raw"

# ---------------------------------------------------------------- servers

pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do
        kill "$p" 2>/dev/null || true
    done
    for p in "${pids[@]}"; do
        wait "$p" 2>/dev/null || true
    done
}
trap cleanup EXIT

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
    local p
    for _ in $(seq 200); do
        # Below the kernel's ephemeral range (32768+), where client sockets take their ports.
        p=$((20000 + RANDOM % 12000))
        if ! listening "$p"; then
            echo "$p"
            return 0
        fi
    done
    echo "no free loopback port found" >&2
    return 1
}

await_port() { # port pid name
    for _ in $(seq 600); do
        listening "$1" && return 0
        kill -0 "$2" 2>/dev/null || { echo "$3 exited during start-up" >&2; return 1; }
        sleep 0.1
    done
    echo "$3 did not listen on 127.0.0.1:$1 within 60 s" >&2
    return 1
}

# Starts a server on a free port, retrying on another port if it loses a race for the one it got.
start_mc() {
    for _ in 1 2 3 4 5; do
        mc_port="$(free_port)"
        taskset -c "$SERVER_CPU" memcached -l 127.0.0.1 -p "$mc_port" -U 0 -t "$MC_THREADS" -m 1024 -c 1024 \
            $( ((EUID == 0)) && echo "-u root") >"$work/memcached.log" 2>&1 &
        mc_pid=$!
        pids+=("$mc_pid")
        await_port "$mc_port" "$mc_pid" memcached && return 0
        grep -q "in use" "$work/memcached.log" || { cat "$work/memcached.log" >&2; return 1; }
    done
    return 1
}

start_kv() {
    for _ in 1 2 3 4 5; do
        kv_port="$(free_port)"
        # shellcheck disable=SC2086 # KV_JAVA_OPTS is a list of flags
        taskset -c "$SERVER_CPU" java $KV_JAVA_OPTS -jar "$jar" --port "$kv_port" --host 127.0.0.1 \
            --transport epoll --no-auth --mgmt-port -1 >"$work/kv-frontend.log" 2>&1 &
        kv_pid=$!
        pids+=("$kv_pid")
        await_port "$kv_port" "$kv_pid" kv-frontend && return 0
        grep -qi "in use" "$work/kv-frontend.log" || { tail -20 "$work/kv-frontend.log" >&2; return 1; }
    done
    return 1
}

start_mc
start_kv

clk_tck="$(getconf CLK_TCK)"
# utime + stime of a process, in clock ticks (fields 14 and 15 of /proc/<pid>/stat).
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }

# Empties a server with a binary FLUSH (opcode 0x08), so each run starts from the same data set and
# kv-frontend's 256 MiB bucket quota is never reached. Fails unless the status is 0.
flush() { # port
    local status
    status="$(timeout 10 bash -c '
        exec 3<>"/dev/tcp/127.0.0.1/$1"
        printf "\x80\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" >&3
        dd bs=24 count=1 iflag=fullblock <&3 2>/dev/null | od -An -tx1 | tr -d " \n" | cut -c13-16' _ "$1")"
    [[ "$status" == 0000 ]] || { echo "flush on port $1 answered status '${status}'" >&2; return 1; }
}

# ---------------------------------------------------------------- workloads

# memcaslap configuration: key and value size ranges, then command proportions (0 = set, 1 = get).
write_cfg() { # file key value set get
    printf 'key\n%s %s 1\nvalue\n%s %s 1\ncmd\n0 %s\n1 %s\n' "$2" "$2" "$3" "$3" "$4" "$5" >"$1"
}
write_cfg "$work/get-heavy.cfg" 32 1024 0.1 0.9
write_cfg "$work/set-heavy.cfg" 32 256 0.9 0.1
workloads=(get-heavy set-heavy)
declare -A ops=([get-heavy]="$OPS_GET" [set-heavy]="$OPS_SET")
declare -A describe=(
    [get-heavy]="get:set 9:1, key 32 B, value 1 KiB"
    [set-heavy]="get:set 1:9, key 32 B, value 256 B")

# One memcaslap run against one server; appends a line to $raw unless the round is "warmup".
measure() { # round workload server port pid
    local round="$1" wl="$2" server="$3" port="$4" pid="$5"
    local tag="$work/$round-$wl-$server"
    flush "$port"
    local c0 c1 times
    c0="$(cpu_ticks "$pid")"
    TIMEFORMAT='%U %S'
    { time timeout "$RUN_TIMEOUT" taskset -c "$CLIENT_CPU" "$slap" -s "127.0.0.1:$port" -B -T 1 \
        -c "$CONCURRENCY" -d "$DIVISION" -F "$work/$wl.cfg" -x "${ops[$wl]}" >"$tag.out" 2>"$tag.err"; } \
        2>"$tag.time" || { echo "memcaslap failed or timed out on $server ($wl, round $round)" >&2; return 1; }
    c1="$(cpu_ticks "$pid")"
    times="$(tail -1 "$tag.time")"
    local line
    line="$(grep '^Run time:' "$tag.out" || true)"
    [[ -n "$line" ]] || { echo "no result from memcaslap on $server ($wl, round $round)" >&2; cat "$tag.err" >&2; return 1; }
    # "Run time: 5.2s Ops: 200000 TPS: 38230 Net_rate: 40.4M/s"
    local run_s n tps misses errors
    run_s="$(awk '{sub(/s$/, "", $3); print $3}' <<<"$line")"
    n="$(awk '{print $5}' <<<"$line")"
    tps="$(awk '{print $7}' <<<"$line")"
    misses="$(awk '/^get_misses:/ {print $2}' "$tag.out")"
    errors="$(grep -c . "$tag.err" || true)"
    [[ "$round" == warmup ]] && return 0
    awk -v r="$round" -v w="$wl" -v s="$server" -v n="$n" -v tps="$tps" -v run_s="$run_s" \
        -v dc="$((c1 - c0))" -v hz="$clk_tck" -v ct="$times" \
        -v miss="${misses:-0}" -v err="$errors" 'BEGIN {
            split(ct, c, " ");
            cpu_us = dc * 1e6 / hz;
            # Utilisation over memcaslap'"'"'s own run time (its start-up is excluded; the server idles then).
            printf "%s\t%s\t%s\t%d\t%d\t%.2f\t%.3f\t%.1f\t%.1f\t%d\t%d\n", r, w, s, n, tps, run_s,
                cpu_us / n, 100 * cpu_us / (run_s * 1e6), 100 * (c[1] + c[2]) / run_s, miss, err
        }' >>"$raw"
}

printf 'round\tworkload\tserver\tops\tops_per_s\trun_s\tserver_cpu_us_per_op\tserver_cpu_pct\tclient_cpu_pct\tget_misses\terrors\n' >"$raw"

echo "memcached $(memcached -V | awk '{print $2}') pid $mc_pid on 127.0.0.1:$mc_port; kv-frontend pid $kv_pid on 127.0.0.1:$kv_port" >&2
echo "warm-up: one unmeasured run per server and workload" >&2
for wl in "${workloads[@]}"; do
    measure warmup "$wl" memcached "$mc_port" "$mc_pid"
    measure warmup "$wl" kv-frontend "$kv_port" "$kv_pid"
done
for ((r = 1; r <= ROUNDS; r++)); do
    echo "round $r of $ROUNDS" >&2
    for wl in "${workloads[@]}"; do
        measure "$r" "$wl" memcached "$mc_port" "$mc_pid"
        measure "$r" "$wl" kv-frontend "$kv_port" "$kv_pid"
    done
done

# ---------------------------------------------------------------- table

kv_loops="$(grep -o '[0-9]* event loops' "$work/kv-frontend.log" | head -1 || true)"
{
    echo "kv-frontend vs memcached $(memcached -V | awk '{print $2}') under $(basename "$slap") ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
    echo "machine: $(nproc) CPUs, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), load average at end $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "servers pinned to CPU $SERVER_CPU, load generator to CPU $CLIENT_CPU (taskset); loopback only"
    echo "memcached: -t $MC_THREADS -m 1024 -c 1024"
    echo "kv-frontend: java $KV_JAVA_OPTS -jar kv-frontend.jar --transport epoll --no-auth (${kv_loops:-? event loops}; the JVM sees 1 CPU under taskset)"
    echo "$(basename "$slap"): -B -T 1 -c $CONCURRENCY -d $DIVISION -x <ops>; each run starts after a binary FLUSH"
    echo "$ROUNDS rounds, servers alternating within each round, after one warm-up run each; medians"
    echo "server CPU = utime+stime of the server process (/proc/<pid>/stat) over the run / operations;"
    echo "CPU % = CPU time / memcaslap's reported run time (memcaslap's includes its start-up)"
    echo "errors = lines memcaslap wrote to stderr (each is one failed response), summed over rounds"
    for wl in "${workloads[@]}"; do
        echo
        echo "== $wl: ${describe[$wl]}, ${ops[$wl]} operations per run =="
        awk -F'\t' -v w="$wl" '
            function median(arr, n,   i, j, t) {
                for (i = 2; i <= n; i++) { t = arr[i]; for (j = i - 1; j >= 1 && arr[j] > t; j--) arr[j + 1] = arr[j]; arr[j + 1] = t }
                return n % 2 ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2
            }
            NR > 1 && $2 == w {
                k = ($3 == "memcached") ? "mc" : "kv"
                n[k]++
                tps[k, n[k]] = $5; cpu[k, n[k]] = $7; scpu[k, n[k]] = $8; ccpu[k, n[k]] = $9; run[k, n[k]] = $6
                miss[k] += $10; err[k] += $11
                if (!(k in lo) || $5 < lo[k]) lo[k] = $5
                if (!(k in hi) || $5 > hi[k]) hi[k] = $5
            }
            END {
                for (x = 0; x < 2; x++) {
                    k = x ? "kv" : "mc"
                    for (i = 1; i <= n[k]; i++) { a[i] = tps[k, i] } ; m_tps[k] = median(a, n[k])
                    for (i = 1; i <= n[k]; i++) { a[i] = cpu[k, i] } ; m_cpu[k] = median(a, n[k])
                    for (i = 1; i <= n[k]; i++) { a[i] = scpu[k, i] } ; m_scpu[k] = median(a, n[k])
                    for (i = 1; i <= n[k]; i++) { a[i] = ccpu[k, i] } ; m_ccpu[k] = median(a, n[k])
                    for (i = 1; i <= n[k]; i++) { a[i] = run[k, i] } ; m_run[k] = median(a, n[k])
                }
                # per-round ratios too: the rounds are paired in time
                for (i = 1; i <= n["kv"] && i <= n["mc"]; i++) { a[i] = tps["kv", i] / tps["mc", i] } ; r_tps = median(a, i - 1)
                for (i = 1; i <= n["kv"] && i <= n["mc"]; i++) { a[i] = cpu["kv", i] / cpu["mc", i] } ; r_cpu = median(a, i - 1)
                f = "%-36s %14s %14s %12s\n"
                printf f, "", "memcached", "kv-frontend", "kv / mc"
                printf f, "throughput ops/s (median)", sprintf("%d", m_tps["mc"]), sprintf("%d", m_tps["kv"]), sprintf("%.2f", m_tps["kv"] / m_tps["mc"])
                printf f, "  spread ops/s (min..max)", lo["mc"] ".." hi["mc"], lo["kv"] ".." hi["kv"], ""
                printf f, "  median of per-round ratios", "", "", sprintf("%.2f", r_tps)
                printf f, "server CPU us / op (median)", sprintf("%.2f", m_cpu["mc"]), sprintf("%.2f", m_cpu["kv"]), sprintf("%.2f", m_cpu["kv"] / m_cpu["mc"])
                printf f, "  median of per-round ratios", "", "", sprintf("%.2f", r_cpu)
                printf f, "server CPU % of one core", sprintf("%.0f", m_scpu["mc"]), sprintf("%.0f", m_scpu["kv"]), ""
                printf f, "memcaslap CPU % of one core", sprintf("%.0f", m_ccpu["mc"]), sprintf("%.0f", m_ccpu["kv"]), ""
                printf f, "run time s (median)", sprintf("%.1f", m_run["mc"]), sprintf("%.1f", m_run["kv"]), ""
                printf f, "get misses (sum of rounds)", miss["mc"], miss["kv"], ""
                printf f, "errors (sum of rounds)", err["mc"], err["kv"], ""
            }' "$raw"
        for server in memcached kv-frontend; do
            if cat "$work"/[0-9]*-"$wl"-"$server".err 2>/dev/null | grep -q .; then
                echo "  $server errors by message:"
                cat "$work"/[0-9]*-"$wl"-"$server".err | sort | uniq -c | sort -rn | head -5 | sed 's/^/    /'
            fi
        done
    done
    echo
    echo "per-run figures: $raw"
} | tee "$result"
