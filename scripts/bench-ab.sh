#!/usr/bin/env bash
# Side-by-side benchmark: runs `bench --json` for each variant in turn, ROUNDS times, alternating
# (A B A B ...), so that a machine that drifts during the run affects every variant alike, and
# prints one table: each run's figures, then each variant's median, spread (min..max) and its
# difference from the first variant. A run that loses or duplicates a message stops the script.
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
declare -A rates processing
printf '%-14s %5s %10s %14s %14s %10s %10s\n' variant run wall_s msgs_per_s processing/s duplicates missing
for ((r = 1; r <= rounds; r++)); do
  for variant in "$@"; do
    IFS='|' read -r label jar args <<<"$variant"
    # shellcheck disable=SC2086 # ARGS is a list of options
    json=$(java -jar "$jar" bench --json $args 2>/dev/null | tail -1)
    rate=$(field msgs_per_s "$json")
    printf '%-14s %5d %10s %14s %14s %10s %10s\n' "$label" "$r" "$(field wall_s "$json")" "$rate" \
      "$(field processing_msgs_per_s "$json")" "$(field duplicates "$json")" "$(field missing "$json")"
    if [ -z "$rate" ] || [ "$(field missing "$json")" != 0 ] || [ "$(field duplicates "$json")" != 0 ]; then
      echo "bench-ab: run $r of '$label' did not end clean: $json" >&2
      exit 1
    fi
    rates[$label]+="$rate "
    processing[$label]+="$(field processing_msgs_per_s "$json") "
  done
done
# stats "LIST" -> "median min max" of a space-separated list of numbers
stats() {
  tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR]=$1} END {printf "%.0f %.0f %.0f", (NR % 2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2), a[1], a[NR]}'
}
echo
printf '%-14s %14s %10s %18s %14s %10s\n' variant median_msgs/s vs_first "min..max" median_proc/s vs_first
first=${1%%|*}
read -r first_rate _ _ <<<"$(stats "${rates[$first]}")"
read -r first_proc _ _ <<<"$(stats "${processing[$first]}")"
for variant in "$@"; do
  label=${variant%%|*}
  read -r rate lo hi <<<"$(stats "${rates[$label]}")"
  read -r proc _ _ <<<"$(stats "${processing[$label]}")"
  printf '%-14s %14s %+9.1f%% %18s %14s %+9.1f%%\n' "$label" "$rate" \
    "$(awk -v a="$rate" -v b="$first_rate" 'BEGIN {print (a - b) * 100 / b}')" "$lo..$hi" "$proc" \
    "$(awk -v a="$proc" -v b="$first_proc" 'BEGIN {print (a - b) * 100 / b}')"
done
