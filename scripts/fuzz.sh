#!/usr/bin/env bash
# Runs every libFuzzer target of a fuzz build, one at a time, single
# process, for SECONDS each, on a scratch copy of its seed corpus.
#   scripts/fuzz.sh BUILD SECONDS [TARGET...]
# BUILD comes from: CC=clang meson setup BUILD -Dfuzz=enabled && ninja -C BUILD fuzz
# TARGET: names without fuzz_ (default: every BUILD/tests/fuzz/fuzz_*).
# FUZZ_RUNS=N: stop each target after N executions instead (the time
# limit still holds). FUZZ_NICE (default 10): the niceness to run at.
# One line per target: name, executions, exec/s, coverage (libFuzzer's
# final cov and ft), crashes. A crash, leak, timeout or out-of-memory
# input is kept in BUILD/fuzz-artifacts/NAME/ with the fuzzer's log, and
# the script exits 1. BUILD/meson-logs/testlog-fuzz.json gets one line per
# target in meson's format, for scripts/count-results.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: scripts/fuzz.sh BUILD SECONDS [TARGET...]}
secs=${2:?usage: scripts/fuzz.sh BUILD SECONDS [TARGET...]}
shift 2
dir=$build/tests/fuzz
if [ $# -gt 0 ]; then
	targets=("$@")
else
	targets=()
	for f in "$dir"/fuzz_*; do
		[ -f "$f" ] && [ -x "$f" ] && targets+=("${f##*/fuzz_}")
	done
fi
if [ ${#targets[@]} -eq 0 ]; then
	echo "fuzz.sh: no fuzz_* targets in $dir (CC=clang meson setup $build -Dfuzz=enabled)" >&2
	exit 1
fi
mkdir -p "$build/meson-logs"
log=$build/meson-logs/testlog-fuzz.json
: > "$log"
scratch=$(mktemp -d "${TMPDIR:-/tmp}/netroof-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
runs=()
[ -n "${FUZZ_RUNS:-}" ] && runs=(-runs="$FUZZ_RUNS")
bad=0
printf '%-22s %12s %9s %6s %6s %8s\n' target execs exec/s cov ft crashes
for t in "${targets[@]}"; do
	exe=$dir/fuzz_$t
	art=$build/fuzz-artifacts/$t
	corpus=$scratch/$t
	mkdir -p "$corpus" "$art"
	[ -d "$here/tests/fuzz/corpus/$t" ] && cp -r "$here/tests/fuzz/corpus/$t/." "$corpus/"
	rm -f "$art"/crash-* "$art"/leak-* "$art"/timeout-* "$art"/oom-*
	t0=$(date +%s.%N)
	# -close_fd_mask=3: the library's own messages cost nothing; libFuzzer
	# and the sanitizers still report on a duplicate of stderr.
	nice -n "${FUZZ_NICE:-10}" "$exe" -max_total_time="$secs" "${runs[@]}" \
		-print_final_stats=1 -close_fd_mask=3 -timeout=20 \
		-artifact_prefix="$art/" "$corpus" > "$art/fuzz.log" 2>&1
	rc=$?
	t1=$(date +%s.%N)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$art/fuzz.log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$art/fuzz.log" | tail -1)
	covline=$(grep -E 'cov: [0-9]+ ft: [0-9]+' "$art/fuzz.log" | tail -1)
	cov=$(sed -E 's/.*cov: ([0-9]+).*/\1/' <<<"$covline")
	ft=$(sed -E 's/.*ft: ([0-9]+).*/\1/' <<<"$covline")
	crashes=$(find "$art" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' \
		-o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
	result=OK
	if [ "$crashes" -gt 0 ] || [ $rc -ne 0 ]; then
		result=FAIL
		bad=1
	fi
	printf '%-22s %12s %9s %6s %6s %8s\n' "fuzz_$t" "${execs:-?}" "${rate:-?}" \
		"${cov:-?}" "${ft:-?}" "$crashes"
	if [ "$result" = FAIL ]; then
		echo "  exit $rc; input(s) and log kept in $art/:" >&2
		find "$art" -maxdepth 1 -type f ! -name fuzz.log -printf '    %f\n' >&2
		grep -E 'ERROR|invariant broken|SUMMARY' "$art/fuzz.log" | head -5 | sed 's/^/    /' >&2
	fi
	python3 - "$log" "fuzz_$t" "$result" "$t0" "$t1" "${execs:-0}" \
		"${cov:-0}" "${ft:-0}" "$crashes" <<'PY'
import json, sys
log, name, result, t0, t1, execs, cov, ft, crashes = sys.argv[1:]
with open(log, "a") as f:
    f.write(json.dumps({"name": name, "suite": ["fuzz"], "result": result,
                        "duration": float(t1) - float(t0),
                        "execs": int(execs), "cov": int(cov), "ft": int(ft),
                        "crashes": int(crashes)}) + "\n")
PY
done
exit $bad
