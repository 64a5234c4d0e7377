#!/usr/bin/env bash
# Side-by-side benchmark: runs `bench --json` for each variant in turn, ROUNDS times, alternating
# (A B A B ...), so that a machine that drifts during the run affects every variant alike, and
# prints one table: each run's figures, then each variant's median, spread (min..max) and its
# difference from the first variant: throughput, processing rate, wall time and Redis CPU per message
# (the private redis-server's used_cpu_sys + used_cpu_user over the run, divided by the messages). A run that loses or duplicates a message stops the script.
# To see the noise floor, give the same variant twice under two labels (an A/A comparison).
#
#   scripts/bench-ab.sh ROUNDS 'LABEL|JAR|BENCH ARGS' 'LABEL|JAR|BENCH ARGS' ...
#
# Example (the handler API's cost: the build before it against this one, zero-delay handler):
#   scripts/bench-ab.sh 3 'before|/tmp/old/app-fat.jar|--max-delay-ms 0' \
#                         'after|target/app-fat.jar|--max-delay-ms 0'
set -euo pipefail
if [ $# -lt 2 ] || ! [[ "$1" =~ ^[0-9]+$ ]]; then
  echo "usage: $0 ROUNDS 'LABEL|JAR|BENCH ARGS' ['LABEL|JAR|BENCH ARGS' ...]" >&2
  exit 2
fi
rounds=$1
shift
field() { # field NAME JSON -> the number
  sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p" <<<"$2"
}
declare -A rates processing walls redis_us
printf '%-14s %5s %10s %14s %14s %12s %10s %10s\n' variant run wall_s msgs_per_s processing/s redis_us/msg duplicates missing
for ((r = 1; r <= rounds; r++)); do
  for variant in "$@"; do
    IFS='|' read -r label jar args <<<"$variant"
    # shellcheck disable=SC2086 # ARGS is a list of options
    json=$(java -jar "$jar" bench --json $args 2>/dev/null | tail -1)
    rate=$(field msgs_per_s "$json")
    per_msg=$(awk -v c="$(field redis_cpu_s "$json")" -v m="$(field messages "$json")" 'BEGIN {if (m > 0) printf "%.2f", c * 1e6 / m}')
    printf '%-14s %5d %10s %14s %14s %12s %10s %10s\n' "$label" "$r" "$(field wall_s "$json")" "$rate" \
      "$(field processing_msgs_per_s "$json")" "$per_msg" "$(field duplicates "$json")" "$(field missing "$json")"
    if [ -z "$rate" ] || [ "$(field missing "$json")" != 0 ] || [ "$(field duplicates "$json")" != 0 ]; then
      echo "bench-ab: run $r of '$label' did not end clean: $json" >&2
      exit 1
    fi
    rates[$label]+="$rate "
    processing[$label]+="$(field processing_msgs_per_s "$json") "
    walls[$label]+="$(field wall_s "$json") "
    redis_us[$label]+="$per_msg "
  done
done
# stats "LIST" [DECIMALS] -> "median min max" of a space-separated list of numbers
stats() {
  tr ' ' '\n' <<<"$1" | grep . | sort -g | awk -v d="${2:-0}" '{a[NR]=$1} END {f = "%." d "f"; printf f " " f " " f, (NR % 2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2), a[1], a[NR]}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2fx", a / b; else print "-"}'; }
echo
printf '%-14s %14s %8s %18s %14s %8s %10s %8s %13s %8s\n' variant median_msgs/s vs_first "min..max" \
  median_proc/s vs_first wall_s vs_first redis_us/msg vs_first
first=${1%%|*}
read -r first_rate _ _ <<<"$(stats "${rates[$first]}")"
read -r first_proc _ _ <<<"$(stats "${processing[$first]}")"
read -r first_wall _ _ <<<"$(stats "${walls[$first]}" 2)"
read -r first_us _ _ <<<"$(stats "${redis_us[$first]}" 2)"
for variant in "$@"; do
  label=${variant%%|*}
  read -r rate lo hi <<<"$(stats "${rates[$label]}")"
  read -r proc _ _ <<<"$(stats "${processing[$label]}")"
  read -r wall _ _ <<<"$(stats "${walls[$label]}" 2)"
  read -r us _ _ <<<"$(stats "${redis_us[$label]}" 2)"
  printf '%-14s %14s %8s %18s %14s %8s %10s %8s %13s %8s\n' "$label" "$rate" "$(ratio "$rate" "$first_rate")" \
    "$lo..$hi" "$proc" "$(ratio "$proc" "$first_proc")" "$wall" "$(ratio "$wall" "$first_wall")" \
    "$us" "$(ratio "$us" "$first_us")"
done
