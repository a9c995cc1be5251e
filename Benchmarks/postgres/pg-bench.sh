#!/usr/bin/env bash
# `make bench`, PostgreSQL part (issue 17): durable POST /v1/referrals with wrk on loopback, in
# one run, on the same release binary:
#   1. SQLite (the embedded store), one router;
#   2. PostgreSQL (a throwaway cluster, fsync and synchronous_commit on), one router;
#   3. PostgreSQL, two routers on one database, each driven by its own wrk at the same time.
# Prints referrals/s, p50 and p99 for each (1 and 2 also at a light load, -c$LIGHT), and the
# ratio of 2 to 1 (goal, at -c$CONNECTIONS: >= 0.8, p99 < 50 ms).
# Everything shares this machine's cores: the routers, PostgreSQL and wrk.
set -euo pipefail
BIN=${BIN:-.build/release/continuum}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
# A lighter load too, for information: with 8 requests in flight neither store runs at its
# rate, so the ratio there compares latencies (each PostgreSQL batch waits for the append's round
# trip; docs/performance.md). The goal is about the rate, at -c$CONNECTIONS.
LIGHT=${LIGHT:-8}
work=$(mktemp -d)
cluster=$(mktemp -u /tmp/continuum-pg-bench-XXXXXX)
servers=()
cleanup() {
  for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  scripts/postgres-cluster.sh stop "$cluster" || true
  rm -rf "$work"
}
trap cleanup EXIT

percentile() { awk -v p="$1" '$1 == p { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v = v / 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v = v * 1000 }; printf "%.2f", v }' "$2"; }
rate() { awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$1"; }
errors() { awk '/Non-2xx or 3xx responses:/ { print $5 } /Socket errors:/ { print "socket:" $0 }' "$1" | tr '\n' ' '; }

"$BIN" keys init --out "$work/master.key" > /dev/null
export CONTINUUM_MASTER_KEY_FILE="$work/master.key"

# Starts `continuum serve` on DATABASE; sets `port`. (Not in a $(…): the server's pid must
# reach `servers`, so that the trap stops it.)
start() {
  local name=$1 database=$2
  "$BIN" serve --port 0 --database "$database" --replica "$work/$name-replica.sqlite" --rate-limit 0 --max-concurrent-per-token 0 \
    > "$work/$name.out" 2> "$work/$name.log" &
  servers+=($!)
  for _ in $(seq 200); do grep -q "listening on" "$work/$name.out" 2>/dev/null && break; sleep 0.1; done
  port=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$work/$name.out")
  [ -n "$port" ] || { echo "server $name did not start" >&2; cat "$work/$name.log" >&2; exit 1; }
}

# wrk against PORT with TOKEN, writing FILE; PREFIX sets its messages and children apart.
drive() {
  local port=$1 token=$2 file=$3 prefix=$4 connections=$5 threads=$6
  CONTINUUM_TOKEN="$token" CONTINUUM_TEMPLATE=Benchmarks/http/referral-template.json CONTINUUM_PREFIX="$prefix" \
    wrk -t"$threads" -c"$connections" -d"$DURATION" --latency -s Benchmarks/http/referrals.lua "http://127.0.0.1:$port" > "$file"
}

row() { printf "%-40s %10s %10s %10s  %s\n" "$1" "$2" "$3" "$4" "$5"; }

echo "Durable POST /v1/referrals on each store: wrk -c$CONNECTIONS -d$DURATION, release build, $(nproc) cores shared by routers, PostgreSQL and wrk"
row "store" "req/s" "p50 ms" "p99 ms" "errors"

sqlite="$work/bench.sqlite"
token=$("$BIN" token create --role partner --partner bench --database "$sqlite" 2>/dev/null)
start sqlite "$sqlite"
drive "$port" "$token" "$work/sqlite.txt" "" "$CONNECTIONS" 2
row "SQLite, one router" "$(rate "$work/sqlite.txt")" "$(percentile 50% "$work/sqlite.txt")" "$(percentile 99% "$work/sqlite.txt")" "$(errors "$work/sqlite.txt")"
drive "$port" "$token" "$work/sqlite-light.txt" "l" "$LIGHT" 2
row "SQLite, one router, -c$LIGHT" "$(rate "$work/sqlite-light.txt")" "$(percentile 50% "$work/sqlite-light.txt")" "$(percentile 99% "$work/sqlite-light.txt")" "$(errors "$work/sqlite-light.txt")"

admin=$(scripts/postgres-cluster.sh start "$cluster")
base=${admin%/postgres*}
psql -q "$admin" -c "CREATE DATABASE bench1" -c "CREATE DATABASE bench2"
one="$base/bench1?sslmode=disable"
token=$("$BIN" token create --role partner --partner bench --database "$one" 2>/dev/null)
start pg-one "$one"
drive "$port" "$token" "$work/pg1.txt" "" "$CONNECTIONS" 2
row "PostgreSQL, one router" "$(rate "$work/pg1.txt")" "$(percentile 50% "$work/pg1.txt")" "$(percentile 99% "$work/pg1.txt")" "$(errors "$work/pg1.txt")"
drive "$port" "$token" "$work/pg1-light.txt" "l" "$LIGHT" 2
row "PostgreSQL, one router, -c$LIGHT" "$(rate "$work/pg1-light.txt")" "$(percentile 50% "$work/pg1-light.txt")" "$(percentile 99% "$work/pg1-light.txt")" "$(errors "$work/pg1-light.txt")"

two="$base/bench2?sslmode=disable"
token=$("$BIN" token create --role partner --partner bench --database "$two" 2>/dev/null)
start pg-a "$two"; port_a=$port
start pg-b "$two"; port_b=$port
drive "$port_a" "$token" "$work/pg2a.txt" "a" $((CONNECTIONS / 2)) 1 &
wrk_a=$!
drive "$port_b" "$token" "$work/pg2b.txt" "b" $((CONNECTIONS / 2)) 1
wait "$wrk_a"
total=$(( $(rate "$work/pg2a.txt") + $(rate "$work/pg2b.txt") ))
p50=$(printf "%s\n%s\n" "$(percentile 50% "$work/pg2a.txt")" "$(percentile 50% "$work/pg2b.txt")" | sort -g | tail -1)
p99=$(printf "%s\n%s\n" "$(percentile 99% "$work/pg2a.txt")" "$(percentile 99% "$work/pg2b.txt")" | sort -g | tail -1)
row "PostgreSQL, two routers (sum; worse p)" "$total" "$p50" "$p99" "$(errors "$work/pg2a.txt")$(errors "$work/pg2b.txt")"

awk -v a="$(rate "$work/pg1.txt")" -v b="$(rate "$work/sqlite.txt")" -v p="$(percentile 99% "$work/pg1.txt")" \
  'BEGIN { printf "ratio PostgreSQL (one router) / SQLite at -c'"$CONNECTIONS"': %.2f (goal >= 0.8), p99 %s ms (goal < 50 ms)\n", a / b, p }'
awk -v a="$(rate "$work/pg1-light.txt")" -v b="$(rate "$work/sqlite-light.txt")" -v p="$(percentile 99% "$work/pg1-light.txt")" \
  'BEGIN { printf "ratio PostgreSQL (one router) / SQLite at -c'"$LIGHT"': %.2f, p99 %s ms (light load: a ratio of latencies, for information)\n", a / b, p }'
awk -v a="$total" -v b="$(rate "$work/pg1.txt")" 'BEGIN { printf "ratio two routers / one router on PostgreSQL: %.2f\n", a / b }'
# Every acknowledged referral of the two routers in one chain.
"$BIN" audit verify --database "$two"
