#!/usr/bin/env bash
# `make bench`, simulator part: the reference network of ../shared/bench, ours (release, one
# core) and SimPy's in the same run, in its two configurations:
#   1. the benchmark configuration: a few servers per stage, short services, one simulated
#      England-year (about 1.9 million events); Ciw too with BENCH_CIW=1 (about a minute);
#   2. the realistic configuration of ../shared/bench/README.md (real case durations, about
#      195,000 caseload slots), a quarter of a year from empty, where SimPy's cost per event
#      grows with the cases in service. SimPy takes about half a minute here; BENCH_SIM_QUICK=1
#      skips this configuration.
# Prints events/s and the ratios. Goals: at least 100 times SimPy's rate; an England-year in
# under one second on one core.
set -euo pipefail
BIN=${BIN:-.build/release/continuum}
SHARED=${CONTINUUM_SHARED:-../shared}
SCENARIO=Simulations/validation/bench-network-england.json
REALISTIC=Simulations/validation/bench-network-realistic.json
# The realistic configuration as the peers take it (the same numbers as $REALISTIC).
REALISTIC_ARGS=(--servers 2226,77496,38935,52951,23361 --service-means 1,90,45,180,270 --years 0.25)
python3 -c "import simpy" 2>/dev/null || python3 -m pip install -q simpy
[ -z "${BENCH_CIW:-}" ] || python3 -c "import ciw" 2>/dev/null || python3 -m pip install -q ciw

ours() {  # scenario [simulate options...]: the median of three runs (each well under a second,
          # so one is at the mercy of a noisy neighbour), as "events seconds events/s"
  local line events seconds runs=()
  for _ in 1 2 3; do
    line=$("$BIN" simulate "$@" 2>&1 >/dev/null | grep "events in")
    events=$(echo "$line" | sed -n 's/.*: \([0-9]*\) events in \([0-9.]*\) s.*/\1/p')
    runs+=("$(echo "$line" | sed -n 's/.*: \([0-9]*\) events in \([0-9.]*\) s.*/\2/p')")
  done
  seconds=$(printf "%s\n" "${runs[@]}" | sort -n | sed -n 2p)
  echo "$events $seconds $(awk -v e="$events" -v s="$seconds" 'BEGIN { printf "%.0f", e / s }')"
}
read -r ours_events ours_seconds ours_rate < <(ours "$SCENARIO" --jobs 1)
# For information: replications spread over every core (how a planner's 10-replication run
# goes). The goal is judged on one core, against SimPy's one.
cores=$(nproc)
read -r all_events all_seconds all_rate < <(ours "$SCENARIO" --replications $((2 * cores)) --jobs "$cores")

peer() {  # script [model options...]: prints "events seconds events/s"
  local script=$1 line
  shift
  line=$(cd "$SHARED/bench" && python3 "$script" --scale england --seed 42 --quiet "$@")
  echo "$line" | sed -n 's/.*events=\([0-9,]*\).*wall_sim_s=\([0-9.]*\).*events\/s=\([0-9,]*\).*/\1 \2 \3/p' | tr -d ','
}
read -r simpy_events simpy_seconds simpy_rate < <(peer simpy_model.py --years 1)

echo "Simulator: the shared reference network, England-years, same run (one core unless marked *; ours: median of 3 runs)"
printf "%-12s %12s %10s %14s\n" "engine" "events" "wall s" "events/s"
printf "%-12s %12s %10s %14s\n" "continuum" "$ours_events" "$ours_seconds" "$ours_rate"
printf "%-12s %12s %10s %14s\n" "continuum*" "$all_events" "$all_seconds" "$all_rate"
printf "%-12s %12s %10s %14s\n" "SimPy" "$simpy_events" "$simpy_seconds" "$simpy_rate"
if [ -n "${BENCH_CIW:-}" ]; then
  read -r ciw_events ciw_seconds ciw_rate < <(peer ciw_model.py --years 1)
  printf "%-12s %12s %10s %14s\n" "Ciw" "$ciw_events" "$ciw_seconds" "$ciw_rate"
fi
echo "* $((2 * cores)) replications on all $cores cores, for information; the ratio below is one core against SimPy's one"
awk -v a="$ours_rate" -v b="$simpy_rate" -v s="$ours_seconds" -v c="$all_rate" 'BEGIN {
  printf "ratio continuum / SimPy: %.0f on one core (goal >= 100), %.0f on all cores; England-year in %.3f s (goal < 1 s)\n", a / b, c / b, s }'

[ -z "${BENCH_SIM_QUICK:-}" ] || exit 0
read -r real_events real_seconds real_rate < <(ours "$REALISTIC" --jobs 1)
read -r real_simpy_events real_simpy_seconds real_simpy_rate < <(peer simpy_model.py "${REALISTIC_ARGS[@]}")
echo
echo "Simulator: the same network in its realistic configuration (about 195,000 caseload slots, real case durations), a quarter-year from empty, same run, one core"
printf "%-12s %12s %10s %14s\n" "engine" "events" "wall s" "events/s"
printf "%-12s %12s %10s %14s\n" "continuum" "$real_events" "$real_seconds" "$real_rate"
printf "%-12s %12s %10s %14s\n" "SimPy" "$real_simpy_events" "$real_simpy_seconds" "$real_simpy_rate"
awk -v a="$real_rate" -v b="$real_simpy_rate" -v small="$ours_rate" 'BEGIN {
  printf "ratio continuum / SimPy: %.0f on one core (goal >= 100); our rate here is %.2f of our benchmark-configuration rate\n", a / b, a / small }'
