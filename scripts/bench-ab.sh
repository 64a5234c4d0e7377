#!/usr/bin/env bash
# Side-by-side benchmark: runs `bench --json` for each variant in turn, ROUNDS times, alternating
# (A B A B ...), so that a machine that drifts during the run affects every variant alike, and
# prints one table: each run's figures and each variant's median.
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
declare -A results
printf '%-14s %5s %10s %14s %14s %10s %10s\n' variant run wall_s msgs_per_s processing/s duplicates missing
for ((r = 1; r <= rounds; r++)); do
  for variant in "$@"; do
    IFS='|' read -r label jar args <<<"$variant"
    # shellcheck disable=SC2086 # ARGS is a list of options
    json=$(java -jar "$jar" bench --json $args 2>/dev/null | tail -1)
    rate=$(field msgs_per_s "$json")
    printf '%-14s %5d %10s %14s %14s %10s %10s\n' "$label" "$r" "$(field wall_s "$json")" "$rate" \
      "$(field processing_msgs_per_s "$json")" "$(field duplicates "$json")" "$(field missing "$json")"
    results[$label]+="$rate "
  done
done
echo
for variant in "$@"; do
  label=${variant%%|*}
  median=$(tr ' ' '\n' <<<"${results[$label]}" | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  printf 'median msgs_per_s %-14s %s\n' "$label" "$median"
done
