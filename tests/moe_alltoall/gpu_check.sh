#!/bin/sh
# moe_alltoall on a real GPU (exit 77 where there is none): run one pattern
# with the in-run check and -J, then hold the JSON to what it may claim:
# the data check passed with every planned step checked.
#   gpu_check.sh EXE ARGS...
exe=$1; shift
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
"$exe" -q "$@" -J "$dir/run.json"
rc=$?
[ $rc -eq 77 ] && exit 77
if [ $rc -ne 0 ]; then echo "FAIL: exit $rc: $*" >&2; exit 1; fi
command -v python3 >/dev/null || {
	grep -q '"data_check": "passed"' "$dir/run.json" || {
		echo "FAIL: data check not passed" >&2; exit 1; }
	echo "ok (python3 missing: data_check only)"; exit 0; }
python3 - "$dir/run.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = d["summary"]
assert s["data_check"] == "passed", s
assert s["checks_planned"] > 0 and s["checks_done"] == s["checks_planned"], s
assert s["wrong_total"] == 0, s
print("ok:", s["checks_done"], "steps checked")
PY
