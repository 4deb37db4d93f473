#!/usr/bin/env bash
# The collective model against real NCCL ranks (issue #18), on the
# committed multi-rank run (results/gpu/multirank/): sim/model_check.py
# refits the socket per-step costs on the 2-rank rows and must give the
# values sim/profiles/net-h200-loopback.json holds (the profile is
# reproducible from the data), and NetModel's algorithm/protocol must be
# the one NCCL logged at every size, n = 2, 4, 8 (a regression in the
# tuning-model replay fails here). Then the second run
# (results/gpu/multirank-2/) with those costs (--costs): nothing fitted
# on it, NCCL's choice again matched at every size.
# usage: model_check.sh SIM_EXE SOURCE_ROOT
set -u
sim=$1 root=$2
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
command -v python3 >/dev/null || { echo "SKIP: no python3" >&2; exit 77; }
python3 "$root/sim/model_check.py" --sim "$sim" \
	--run "$root/results/gpu/multirank" \
	--profile-out "$tmp/p.json" --json "$tmp/mc.json" >"$tmp/out.md"
rc=$?
# 0: within the bound, 1: the verdict says it is not; both are answers
if [ $rc -gt 1 ]; then
	echo "FAIL: model_check.py exit $rc" >&2
	exit 1
fi
python3 - "$tmp/p.json" "$root/sim/profiles/net-h200-loopback.json" \
	"$tmp/mc.json" <<'PY' || exit 1
import json, sys
fit, have, mc = (json.load(open(f)) for f in sys.argv[1:4])
bad = 0
for k in ("proxy_us", "ll_bw_gbs", "bw_gbs", "one_way_us"):
    a, b = fit[k]["value"], have[k]["value"]
    if abs(a - b) > 1e-3 * max(abs(b), 1):
        print("FAIL: refit %s %.4g, profile holds %.4g" % (k, a, b))
        bad += 1
    if k != "one_way_us" and have[k]["kind"] != "fitted":
        print("FAIL: %s kind %s, not fitted" % (k, have[k]["kind"]))
        bad += 1
rows = mc["rows"]
for n in (2, 4, 8):
    rs = [r for r in rows if r["nranks"] == n]
    if len(rs) < 18:
        print("FAIL: n=%d: %d rows" % (n, len(rs)))
        bad += 1
    for r in rs:
        if not r["choice_matches"]:
            print("FAIL: n=%d %d B: model %s/%s, NCCL %s/%s" % (
                n, r["size"], r["algo"], r["proto"], r["nccl_algo"],
                r["nccl_proto"]))
            bad += 1
if not any(r["fitted_on"] for r in rows) or \
   any(r["fitted_on"] and r["nranks"] != 2 for r in rows):
    print("FAIL: fitted_on must mark the 2-rank rows only")
    bad += 1
print("%d rows, %d problems" % (len(rows), bad))
sys.exit(1 if bad else 0)
PY
python3 "$root/sim/model_check.py" --sim "$sim" \
	--run "$root/results/gpu/multirank-2" \
	--costs "$root/sim/profiles/net-h200-loopback.json" \
	--profile-out "$tmp/p2.json" --json "$tmp/mc2.json" >"$tmp/out2.md"
rc=$?
if [ $rc -gt 1 ]; then
	echo "FAIL: model_check.py --costs exit $rc" >&2
	exit 1
fi
python3 - "$tmp/p2.json" "$root/sim/profiles/net-h200-loopback.json" \
	"$tmp/mc2.json" <<'PY' || exit 1
import json, sys
used, have, mc = (json.load(open(f)) for f in sys.argv[1:4])
bad = 0
for k in ("proxy_us", "ll_bw_gbs", "bw_gbs"):
    if used[k] != have[k]:
        print("FAIL: --costs: %s %s, the profile holds %s" % (
            k, used[k]["value"], have[k]["value"]))
        bad += 1
if mc["fit"]["fitted_here"] or any(r["fitted_on"] for r in mc["rows"]):
    print("FAIL: --costs: something marked as fitted on this run")
    bad += 1
rs = mc["rows"]
miss = [r for r in rs if not r["choice_matches"]]
if len(rs) < 54 or miss:
    print("FAIL: run 2: %d rows, %d choices differ from NCCL's" % (
        len(rs), len(miss)))
    bad += 1
if len(mc.get("key_4k", [])) != 3:
    print("FAIL: run 2: the 4 KiB rows for n = 2, 4, 8 missing")
    bad += 1
sys.exit(1 if bad else 0)
PY
echo "ok: profile reproduced from the run; NCCL's choice matched at every size, on both runs"
