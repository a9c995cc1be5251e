#!/usr/bin/env bash
# `make bench`, simulator part: the reference network of ../shared/bench, one simulated
# England-year (about 1.9 million events), ours (release, one core) and SimPy's in the same
# run; Ciw too with BENCH_CIW=1 (it takes about a minute). Prints events/s and the ratio.
# Goals: at least 100 times SimPy's rate; an England-year in under one second on one core.
set -euo pipefail
BIN=${BIN:-.build/release/continuum}
SHARED=${CONTINUUM_SHARED:-../shared}
SCENARIO=Simulations/validation/bench-network-england.json
python3 -c "import simpy" 2>/dev/null || python3 -m pip install -q simpy
[ -z "${BENCH_CIW:-}" ] || python3 -c "import ciw" 2>/dev/null || python3 -m pip install -q ciw

ours_line=$("$BIN" simulate "$SCENARIO" --jobs 1 2>&1 >/dev/null | grep "events in")
ours_events=$(echo "$ours_line" | sed -n 's/.*: \([0-9]*\) events in \([0-9.]*\) s.*/\1/p')
ours_seconds=$(echo "$ours_line" | sed -n 's/.*: \([0-9]*\) events in \([0-9.]*\) s.*/\2/p')
ours_rate=$(awk -v e="$ours_events" -v s="$ours_seconds" 'BEGIN { printf "%.0f", e / s }')
# For information: replications spread over every core (how a planner's 10-replication run
# goes). The goal is judged on one core, against SimPy's one.
cores=$(nproc)
all_line=$("$BIN" simulate "$SCENARIO" --replications $((2 * cores)) --jobs "$cores" 2>&1 >/dev/null | grep "events in")
all_events=$(echo "$all_line" | sed -n 's/.*: \([0-9]*\) events in \([0-9.]*\) s.*/\1/p')
all_seconds=$(echo "$all_line" | sed -n 's/.*: \([0-9]*\) events in \([0-9.]*\) s.*/\2/p')
all_rate=$(awk -v e="$all_events" -v s="$all_seconds" 'BEGIN { printf "%.0f", e / s }')

peer() {  # name script
  local line
  line=$(cd "$SHARED/bench" && python3 "$2" --scale england --years 1 --seed 42 --quiet)
  echo "$line" | sed -n 's/.*events=\([0-9,]*\).*wall_sim_s=\([0-9.]*\).*events\/s=\([0-9,]*\).*/\1 \2 \3/p' | tr -d ','
}
read -r simpy_events simpy_seconds simpy_rate < <(peer simpy simpy_model.py)

echo "Simulator: the shared reference network, England-years, same run (one core unless marked *)"
printf "%-12s %12s %10s %14s\n" "engine" "events" "wall s" "events/s"
printf "%-12s %12s %10s %14s\n" "continuum" "$ours_events" "$ours_seconds" "$ours_rate"
printf "%-12s %12s %10s %14s\n" "continuum*" "$all_events" "$all_seconds" "$all_rate"
printf "%-12s %12s %10s %14s\n" "SimPy" "$simpy_events" "$simpy_seconds" "$simpy_rate"
if [ -n "${BENCH_CIW:-}" ]; then
  read -r ciw_events ciw_seconds ciw_rate < <(peer ciw ciw_model.py)
  printf "%-12s %12s %10s %14s\n" "Ciw" "$ciw_events" "$ciw_seconds" "$ciw_rate"
fi
echo "* $((2 * cores)) replications on all $cores cores, for information; the ratio below is one core against SimPy's one"
awk -v a="$ours_rate" -v b="$simpy_rate" -v s="$ours_seconds" -v c="$all_rate" 'BEGIN {
  printf "ratio continuum / SimPy: %.0f on one core (goal >= 100), %.0f on all cores; England-year in %.3f s (goal < 1 s)\n", a / b, c / b, s }'
