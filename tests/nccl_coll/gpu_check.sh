#!/bin/sh
# nccl_coll on a real GPU (exit 77 where there is none): one rank, data
# check on every size; the JSON document must say the check passed.
#   gpu_check.sh EXE sweep ARGS...   8 B..1 MiB sweep with ARGS
#   gpu_check.sh EXE ops             every collective, both types of place
#   gpu_check.sh EXE decode          the decode presets of both models
#   gpu_check.sh EXE bad             bad input after GPU init: exit 2
exe=$1; what=$2; shift 2
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
src=$(dirname "$0")

runj() {	# runj NAME ARGS...: run, keep the JSON, check "passed"
	name=$1; shift
	"$exe" -q -n 50 -w 5 --gate-bytes 4M -J "$dir/$name.json" "$@"
	rc=$?
	[ $rc -eq 77 ] && exit 77
	if [ $rc -ne 0 ]; then echo "FAIL: $name exit $rc" >&2; exit 1; fi
	grep -q '"data_check": "passed"' "$dir/$name.json" || {
		echo "FAIL: $name: data check not passed" >&2; exit 1; }
	grep -q '"transport": "none/intra-process"' "$dir/$name.json" || {
		echo "FAIL: $name: transport not recorded" >&2; exit 1; }
	echo "ok: $name"
}

case $what in
sweep)	runj sweep -b 8 -e 1M -f 4 "$@" ;;
ops)	for t in bf16 fp16 fp32; do
		runj ops-$t -o all -d $t -b 8 -e 256K -f 8
	done ;;
decode)	runj qwen --decode "$src/models/qwen3-coder-30b-a3b.json"
	runj minimax --decode "$src/models/minimax-m2.5.json"
	runj minimax-pp --decode "$src/models/minimax-m2.5.json" \
		--decode-mode pp ;;
bad)	"$exe" -q -o broadcast --root 3 -b 8 -e 64; rc=$?
	[ $rc -eq 77 ] && exit 77
	[ $rc -eq 2 ] || { echo "FAIL: --root 3 of 1 rank: exit $rc" >&2; exit 1; }
	"$exe" -q --device 99 -b 8 -e 64; rc=$?
	[ $rc -eq 77 ] || [ $rc -eq 1 ] || { echo "FAIL: --device 99: $rc" >&2; exit 1; }
	"$exe" -q --decode /nonexistent/model.json; rc=$?
	[ $rc -eq 2 ] || { echo "FAIL: missing model: exit $rc" >&2; exit 1; }
	echo "ok: bad input" ;;
esac
exit 0
