#!/usr/bin/env bash
# ib_lat over 127.0.0.1 with real server and client processes.
#   loopback.sh IB_LAT CASE
# Cases: tcp-json tcp-bw-json tcp-busy mismatch peer-killed client-killed
#        sigint port-in-use no-device bad-option json-exists devices list
# Exit 0 pass, 1 fail, 77 skip.
set -u
B=$1 CASE=$2
T=$(mktemp -d "${TMPDIR:-/tmp}/iblat-test.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$T"' EXIT
PORT=$((10000 + RANDOM % 20000))	# below the ephemeral range (32768-)
fail() { echo "FAIL: $*" >&2; for f in "$T"/*.err; do [ -f "$f" ] && { echo "--- $f"; cat "$f"; } >&2; done; exit 1; }

# JSON check: rows carry the documented keys and sane order statistics.
check_json() # FILE MODE(lat|bw) NROWS ITERS
{
	python3 - "$@" <<'PY' || fail "JSON check of $1"
import json, sys
path, mode, nrows, iters = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
d = json.load(open(path))
for sec in ("meta", "params", "results", "summary", "error"):
    assert sec in d, "missing section " + sec
assert d["error"] is None, d["error"]
rows = d["results"]
assert len(rows) == nrows, "rows %d != %d" % (len(rows), nrows)
for r in rows:
    for k in ("size", "iters", "transport", "conn"):
        assert k in r, k
    assert r["iters"] == iters
    if mode == "lat":
        ks = ["lat_us_" + s for s in ("min", "p50", "p90", "p99", "p999", "max")]
        v = [r[k] for k in ks]
        assert all(x > 0 for x in v), v
        assert v == sorted(v), "percentiles out of order %r" % v
        assert r["lat_us_min"] <= r["lat_us_mean"] <= r["lat_us_max"]
        assert r["lat_us_stdev"] >= 0 and r["wrong"] == 0
        assert r["lat_is"] == "rtt/2", r["lat_is"]  # tcp: one-way
    else:
        assert r["bw_gbps"] > 0 and r["msg_rate_mps"] > 0
print("json ok: %d rows" % len(rows))
PY
}

srv() { "$B" -p $PORT -q "$@" > "$T/srv.out" 2> "$T/srv.err" & SRV=$!; sleep 0.3; }

case $CASE in
tcp-json)
	srv -t tcp -b 2 -e 1K -f 4 -n 300 -w 20
	"$B" -p $PORT -t tcp -b 2 -e 1K -f 4 -n 300 -w 20 --cpu 0 -J "$T/o.json" \
		127.0.0.1 > "$T/cli.out" 2> "$T/cli.err" || fail "client rc $?"
	wait $SRV || fail "server rc $?"
	check_json "$T/o.json" lat 5 300
	# --cpu pins and says so; pinning is in the header and the JSON.
	python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["meta"]["pinning"]; assert p == "pinned to CPU 0 (--cpu)", p' \
		"$T/o.json" || fail "meta.pinning"
	grep -q "client, pinned to CPU 0 (--cpu)" "$T/cli.out" || fail "header lacks the pinning"
	;;
tcp-busy)
	srv -t tcp -s 64 -n 300 --busy-poll
	"$B" -p $PORT -t tcp -s 64 -n 300 --busy-poll -J "$T/o.json" 127.0.0.1 \
		> "$T/cli.out" 2> "$T/cli.err" || fail "client rc $?"
	wait $SRV || fail "server rc $?"
	check_json "$T/o.json" lat 1 300
	;;
tcp-bw-json)
	srv -t tcp --bw --check -b 1K -e 64K -f 8 -n 200
	"$B" -p $PORT -t tcp --bw --check -b 1K -e 64K -f 8 -n 200 -J "$T/o.json" 127.0.0.1 \
		> "$T/cli.out" 2> "$T/cli.err" || fail "client rc $?"
	wait $SRV || fail "server rc $?"
	check_json "$T/o.json" bw 3 200
	;;
mismatch)
	srv -t tcp -s 64 -n 100
	"$B" -p $PORT -t tcp -s 64 -n 200 127.0.0.1 > "$T/cli.out" 2> "$T/cli.err"
	rc=$?
	wait $SRV; src=$?
	[ $rc = 1 ] && [ $src = 1 ] || fail "rc client $rc server $src, want 1 1"
	grep -q "iters" "$T/cli.err" || fail "client does not name 'iters'"
	grep -q "iters" "$T/srv.err" || fail "server does not name 'iters'"
	;;
peer-killed|client-killed)
	# A long run; one side is killed mid-run; the other must fail
	# within its --timeout (3 s) and not hang.
	srv -t tcp -s 64 -n 100000000 --timeout 3
	"$B" -p $PORT -t tcp -s 64 -n 100000000 --timeout 3 127.0.0.1 \
		> "$T/cli.out" 2> "$T/cli.err" & CLI=$!
	sleep 1
	if [ $CASE = peer-killed ]; then victim=$SRV other=$CLI; else victim=$CLI other=$SRV; fi
	kill -9 $victim
	t0=$SECONDS
	for ((i = 0; i < 80; i++)); do kill -0 $other 2>/dev/null || break; sleep 0.1; done
	kill -0 $other 2>/dev/null && fail "survivor still running 8 s after the kill"
	wait $other; rc=$?
	[ $rc = 1 ] || fail "survivor rc $rc, want 1"
	echo "survivor exited 1 after $((SECONDS - t0)) s"
	;;
sigint)
	srv -t tcp -s 64 -n 100000000
	"$B" -p $PORT -t tcp -s 64 -n 100000000 -J "$T/o.json" 127.0.0.1 \
		> "$T/cli.out" 2> "$T/cli.err" & CLI=$!
	sleep 1
	kill -INT $CLI
	for ((i = 0; i < 50; i++)); do kill -0 $CLI 2>/dev/null || break; sleep 0.1; done
	kill -0 $CLI 2>/dev/null && fail "client ignores SIGINT"
	wait $CLI; rc=$?
	[ $rc = 1 ] || fail "client rc $rc after SIGINT, want 1"
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["error"], "no error"' \
		"$T/o.json" || fail "JSON not closed with an error after SIGINT"
	for ((i = 0; i < 50; i++)); do kill -0 $SRV 2>/dev/null || break; sleep 0.1; done
	kill -0 $SRV 2>/dev/null && fail "server still running after client's SIGINT"
	;;
port-in-use)
	srv -t tcp -s 64 -n 100
	"$B" -p $PORT -t tcp -s 64 -n 100 > "$T/two.out" 2> "$T/two.err" & TWO=$!
	for ((i = 0; i < 50; i++)); do kill -0 $TWO 2>/dev/null || break; sleep 0.1; done
	kill -0 $TWO 2>/dev/null && fail "second server on a busy port still running"
	wait $TWO; rc=$?
	[ $rc = 1 ] || fail "second server rc $rc, want 1"
	grep -qi "in use" "$T/two.err" || fail "no 'in use' in the error"
	cat "$T/two.err"
	kill $SRV
	;;
no-device)
	"$B" -t write -d no_such_dev -p $PORT 127.0.0.1 > "$T/cli.out" 2> "$T/cli.err"
	rc=$?
	[ $rc = 77 ] || fail "rc $rc, want 77"
	grep -Eq "not found|not built|no RDMA" "$T/cli.err" || fail "no reason given"
	;;
bad-option)
	"$B" --no-such-option > /dev/null 2> "$T/e.err"; rc=$?
	[ $rc = 2 ] || fail "--no-such-option rc $rc"
	"$B" -t nosuch 127.0.0.1 > /dev/null 2> "$T/e.err"; rc=$?
	[ $rc = 2 ] || fail "-t nosuch rc $rc"
	"$B" -s 0 127.0.0.1 > /dev/null 2> "$T/e.err"; rc=$?
	[ $rc = 2 ] || fail "-s 0 rc $rc"
	"$B" -t tcp --compare 127.0.0.1 > /dev/null 2> "$T/e.err"; rc=$?
	[ $rc = 2 ] || fail "--compare with tcp rc $rc"
	;;
json-exists)
	echo keep > "$T/o.json"
	"$B" -t tcp -p $PORT -J "$T/o.json" 127.0.0.1 > /dev/null 2> "$T/e.err"; rc=$?
	[ $rc = 2 ] || fail "rc $rc, want 2"
	[ "$(cat "$T/o.json")" = keep ] || fail "file was overwritten"
	;;
devices)
	"$B" --devices > "$T/d.out" 2> "$T/d.err" || fail "--devices rc $?"
	grep -q "NCCL" "$T/d.out" || fail "no NCCL recommendation"
	cat "$T/d.out"
	"$B" --devices -J "$T/d.json" > /dev/null 2>&1 || fail "--devices -J rc $?"
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["nccl_env"] and "devices" in d and "warnings" in d' \
		"$T/d.json" || fail "--devices JSON"
	"$B" --devices -J "$T/d.json" > /dev/null 2> "$T/d2.err"; rc=$?
	[ $rc = 2 ] && grep -q "refusing to overwrite" "$T/d2.err" || fail "--devices -J over a file: rc $rc"
	;;
list)
	"$B" --list > "$T/l.out" || fail "--list rc $?"
	for t in write send read tcp; do grep -q "^$t " "$T/l.out" || fail "no $t"; done
	cat "$T/l.out"
	;;
*) echo "unknown case $CASE" >&2; exit 99 ;;
esac
echo "PASS: $CASE"
