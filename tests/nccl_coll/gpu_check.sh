#!/bin/sh
# nccl_coll on a real GPU (exit 77 where there is none): one rank, data
# check on every size; the JSON document must say the check passed.
#   gpu_check.sh EXE sweep ARGS...   8 B..1 MiB sweep with ARGS
#   gpu_check.sh EXE ops             every collective, both types of place
#   gpu_check.sh EXE decode          the decode presets of both models
#   gpu_check.sh EXE bad             bad input after GPU init: exit 2, and
#                                    a run stopped before its first check
#                                    does not claim the check passed
#   gpu_check.sh EXE claims          what the JSON claims: every planned
#                                    check made, GPUDirect RDMA as observed
#   gpu_check.sh EXE compare         --compare on one rank (both
#                                    communicators intra-process): each
#                                    one's data check made per item, passed
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
decode)	runj qwen --decode qwen3-coder-30b-a3b
	runj minimax --decode "$src/../../sim/models/minimax-m2.5.json"
	runj minimax-pp --decode minimax-m2.5 \
		--decode-mode pp ;;
bad)	"$exe" -q -o broadcast --root 3 -b 8 -e 64; rc=$?
	[ $rc -eq 77 ] && exit 77
	[ $rc -eq 2 ] || { echo "FAIL: --root 3 of 1 rank: exit $rc" >&2; exit 1; }
	"$exe" -q --device 99 -b 8 -e 64; rc=$?
	[ $rc -eq 77 ] || [ $rc -eq 1 ] || { echo "FAIL: --device 99: $rc" >&2; exit 1; }
	"$exe" -q --decode /nonexistent/model.json -J "$dir/bad.json"; rc=$?
	[ $rc -eq 2 ] || { echo "FAIL: missing model: exit $rc" >&2; exit 1; }
	grep -q '"data_check": "not run"' "$dir/bad.json" || {
		echo "FAIL: missing model: data_check not 'not run':" >&2
		grep data_check "$dir/bad.json" >&2; exit 1; }
	echo "ok: bad input" ;;
compare)
	"$exe" -q --compare --decode qwen3-coder-30b-a3b -n 40 --blocks 4 \
		-J "$dir/cmp.json"
	rc=$?
	[ $rc -eq 77 ] && exit 77
	[ $rc -eq 0 ] || { echo "FAIL: --compare: exit $rc" >&2; exit 1; }
	python3 "$src/compare_check.py" "$dir/cmp.json" 1 || exit 1
	;;
claims)	runj claims -o all -b 8 -e 4K -f 8
	command -v python3 >/dev/null || { echo "SKIP: needs python3" >&2; exit 77; }
	python3 - "$dir/claims.json" <<'PY' || exit 1
import json, sys
d = json.load(open(sys.argv[1]))
s, m = d["summary"], d["meta"]
rows = d["results"]
# 5 collectives x 4 sizes (8 B .. 4 KiB) x 2 modes; each row checks out of
# place and, but for send/recv, in place: 72 checks
assert len(rows) == 40, len(rows)
made = sum(("oop_wrong" in r) + ("ip_wrong" in r) for r in rows)
assert made == 72 == s["checks_planned"] == s["checks_done"], (made, s)
assert s["wrong_total"] == 0, s
g = m["gpudirect_rdma"]
assert g["nccl_connection_gdrdma"] is None, g   # one rank: no NET path
assert g["nvidia_peermem"] in ("loaded", "not loaded", None), g
assert g["cuda_gpudirect_rdma_supported"] in (True, False, None), g
print("ok: claims", s["checks_done"], g)
PY
	;;
esac
exit 0
