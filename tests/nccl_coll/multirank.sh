#!/bin/sh
# nccl_coll with N ranks on one GPU (--local-hosts N, each rank its own
# host to NCCL, over its socket transport), under CUDA MPS. Exit 77 without
# a GPU, without NCCL or without MPS (the tool itself says 77 then).
#   multirank.sh EXE check N     every collective in bf16 and fp32, both
#                                placements, eager and graph: the data
#                                check over the N ranks passed (each rank's
#                                result against the sum or gather of all
#                                ranks' buffers, wrong elements summed over
#                                the ranks), NCCL's socket transport from its
#                                own log, the algorithm and protocol NCCL
#                                chose for every size, and what the meta
#                                says (MPS, nranks, the caveat)
#   multirank.sh EXE kill N K    rank K killed (SIGKILL) mid-run: every
#                                other rank ends on its own within
#                                --timeout (+ the abort), the run exits 1,
#                                and rank 0's JSON says why
#   multirank.sh EXE compare N   --compare --decode over N ranks: each
#                                communicator's data check made per size
#                                and passed, every row with both medians;
#                                77 where NCCL has no IB network (no RDMA
#                                device), after checking that nccl_coll
#                                said so
#   multirank.sh EXE mps         whatever the MPS state is here: with MPS,
#                                the meta says so; without, the run is
#                                refused (77, with how to start a daemon)
#                                and --allow-time-sliced marks every figure
#                                as not a latency
exe=$1; what=$2; shift 2
dir=$(mktemp -d) || exit 99
trap 'rm -rf "$dir"' EXIT
command -v python3 >/dev/null || { echo "SKIP: needs python3" >&2; exit 77; }

fail() { echo "FAIL: $*" >&2; exit 1; }

case $what in
check)
	n=$1
	for t in bf16 fp32; do
		"$exe" --local-hosts "$n" -q -o all -d $t -b 8 -e 256K -f 8 \
			-n 20 -w 2 --pipe-reps 2 --gate-bytes 4M --timeout 30 \
			-J "$dir/$t.json"
		rc=$?
		[ $rc -eq 77 ] && exit 77
		[ $rc -eq 0 ] || fail "--local-hosts $n -d $t: exit $rc"
		python3 - "$dir/$t.json" "$n" "$t" <<'PY' || exit 1
import json, sys
d = json.load(open(sys.argv[1]))
n, t = int(sys.argv[2]), sys.argv[3]
s, m, rows = d["summary"], d["meta"], d["results"]
assert d["error"] is None, d["error"]
assert s["data_check"] == "passed", s
assert s["checks_planned"] > 0 and s["checks_done"] == s["checks_planned"], s
assert s["wrong_total"] == 0, s
assert s["figures_are_latencies"] is True, s
assert m["nranks"] == n and m["local_hosts"] == n, m
assert m["transport"] == "socket", m["transport"]
p = m["path"]
assert p["detail"].startswith("NET/Socket"), p
assert not p["mismatch"], p
assert m["mps"]["state"].startswith("on") and m["mps"]["required"], m["mps"]
assert m["figures_are_latencies"] is True
assert m["nccl_hostid"] == "netroof-host0", m["nccl_hostid"]
assert m["same_machine_caveat"] == (
    "%d ranks on one GPU of one host over loopback TCP (NCCL's socket "
    "transport): not a link between boxes" % n), m["same_machine_caveat"]
# the rows the plan makes: sizes 8 B .. 256 KiB x8, all-gather and
# reduce-scatter rounded to a multiple of element size x n (none if 0)
elt = {"bf16": 2, "fp32": 4}[t]
want = 0
for op in ("allreduce", "allgather", "reducescatter", "broadcast",
           "sendrecv"):
    last = None
    for size in (8, 64, 512, 4096, 32768, 262144):
        unit = elt * (n if op in ("allgather", "reducescatter") else 1)
        r = size // unit * unit
        if r and r != last:
            want += 2           # eager and graph
        last = r or last
assert len(rows) == want, (len(rows), want)
algos = {"TREE", "RING", "COLLNET_DIRECT", "COLLNET_CHAIN", "NVLS",
         "NVLS_TREE", "PAT"}
protos = {"LL", "LL128", "SIMPLE"}
seen = set()
for r in rows:
    assert r["transport"] == "socket", r
    assert r["oop_wrong"] == 0, r
    assert "time_sliced" not in r, r
    if r["op"] == "sendrecv":
        assert "ip_wrong" not in r, r
        assert r["nccl_algo"] == "p2p", r
    else:
        assert r["ip_wrong"] == 0, r
        # NCCL's own choice for this op and size, from rank 0's log
        assert r["nccl_algo"] in algos, r
        assert r["nccl_proto"] in protos, r
        assert r["nccl_tuning_lines"] >= 1, r
        seen.add((r["op"], r["size"], r["mode"], r["nccl_algo"],
                  r["nccl_proto"]))
print("ok: %d ranks %s: %d rows, %d checks over the ranks, socket; "
      "NCCL chose:" % (n, t, len(rows), s["checks_done"]))
for x in sorted(seen):
    print("   ", *x)
PY
	done
	;;
kill)
	n=$1; victim=$2; to=8
	# long enough to be killed mid-run: 2000 isolated samples per size
	"$exe" --local-hosts "$n" -o allreduce --mode eager -b 8 -e 1M -f 2 \
		-n 2000 -w 5 --timeout $to -J "$dir/kill.json" \
		>"$dir/out" 2>"$dir/err" &
	parent=$!
	i=0
	until grep -q "nccl_coll: 2/" "$dir/err"; do
		if ! kill -0 $parent 2>/dev/null; then
			wait $parent; rc=$?
			[ $rc -eq 77 ] && exit 77
			cat "$dir/err" >&2
			fail "the run ended (exit $rc) before it was killed"
		fi
		i=$((i + 1))
		[ $i -gt 1200 ] && { kill $parent; fail "no progress in 120 s"; }
		sleep 0.1
	done
	# the victim: the spawner logs the ranks' pids in rank order
	pids=$(sed -n 's/.*local rank(s), pids by rank: //p' "$dir/err")
	vpid=$(echo "$pids" | cut -d' ' -f$((victim + 1)))
	case $vpid in
	''|*[!0-9]*) kill $parent; fail "rank $victim's pid not logged: '$pids'" ;;
	esac
	# and it is the parent's child
	read -r line <"/proc/$vpid/stat" || { kill $parent; fail "no $vpid"; }
	rest=${line##*) }
	# shellcheck disable=SC2086 # the fields of /proc/PID/stat
	set -- $rest
	[ "$2" = "$parent" ] || { kill $parent; fail "$vpid is not a rank"; }
	t0=$(date +%s%N)
	kill -9 "$vpid"
	wait $parent; rc=$?
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	tr '\r' '\n' <"$dir/err" | grep -v "nccl_coll: [0-9]*/" >&2
	[ $rc -eq 1 ] || fail "exit $rc after rank $victim was killed (want 1)"
	# the survivors end on their own: --timeout plus the abort, well
	# before the parent's grace (--timeout + 5 s) would SIGTERM them
	[ $ms -le $((to * 1000 + 4000)) ] ||
		fail "the others took $ms ms to end (--timeout $to s)"
	k9=$(grep -c "killed by signal 9" "$dir/err")
	[ "$k9" -eq 1 ] || fail "$k9 ranks killed by signal 9 (want 1)"
	grep "killed by signal" "$dir/err" | grep -qv "signal 9" &&
		fail "a survivor was killed by the parent, not ended on its own"
	python3 - "$dir/kill.json" <<'PY' || exit 1
import json, sys
d = json.load(open(sys.argv[1]))
s = d["summary"]
assert d["error"], d
assert s["data_check"] != "passed", s
print("ok: error", repr(d["error"]), "data_check", s["data_check"])
PY
	echo "ok: rank $victim of $n killed: the others ended in $ms ms, exit 1"
	;;
compare)
	n=$1
	"$exe" --local-hosts "$n" -q --compare --decode qwen3-coder-30b-a3b \
		-n 40 --blocks 4 --timeout 60 -J "$dir/cmp.json" 2>"$dir/err"
	rc=$?
	[ $rc -eq 77 ] && exit 77
	if [ $rc -eq 1 ] && grep -q "could not open its IB network" "$dir/err"
	then
		echo "SKIP: NCCL has no IB network here (no RDMA device); the" \
		     "one-rank --compare test checks the data path" >&2
		exit 77
	fi
	[ $rc -eq 0 ] || { cat "$dir/err" >&2; fail "--compare: exit $rc"; }
	python3 "$(dirname "$0")/compare_check.py" "$dir/cmp.json" "$n" ||
		exit 1
	;;
mps)
	run() {	# run NAME ARGS: one tiny eager run of 2 ranks
		name=$1; shift
		"$exe" --local-hosts 2 -q -s 8K -n 3 -w 1 --mode eager \
			--pipe-iters 2 --pipe-reps 1 --timeout 60 \
			-J "$dir/$name.json" "$@" 2>"$dir/$name.err"
	}
	run plain; rc=$?
	if [ $rc -eq 0 ]; then
		python3 - "$dir/plain.json" <<'PY' || exit 1
import json, sys
m = json.load(open(sys.argv[1]))["meta"]
assert m["mps"]["state"].startswith("on"), m["mps"]
assert m["figures_are_latencies"] is True
print("ok: MPS serves the GPU:", m["mps"])
PY
		exit 0
	fi
	[ $rc -eq 77 ] || { cat "$dir/plain.err" >&2; fail "exit $rc"; }
	grep -q "no CUDA GPU" "$dir/plain.err" && exit 77
	grep -q "nvidia-cuda-mps-control -d" "$dir/plain.err" ||
		fail "refused without saying how to start MPS"
	grep -q "echo quit | nvidia-cuda-mps-control" "$dir/plain.err" ||
		fail "refused without saying how to stop MPS"
	[ -f "$dir/plain.json" ] && fail "a refused run wrote results"
	echo "ok: no MPS: refused (77) with how to start and stop a daemon"
	run sliced --allow-time-sliced; rc=$?
	[ $rc -eq 77 ] && grep -q "no CUDA GPU" "$dir/sliced.err" && exit 77
	[ $rc -eq 0 ] || { cat "$dir/sliced.err" >&2; fail "time-sliced: $rc"; }
	python3 - "$dir/sliced.json" <<'PY' || exit 1
import json, sys
d = json.load(open(sys.argv[1]))
m, s, rows = d["meta"], d["summary"], d["results"]
assert m["mps"]["state"] == "off", m["mps"]
assert m["figures_are_latencies"] is False, m
assert s["figures_are_latencies"] is False, s
assert s["data_check"] == "passed", s
assert rows and all(r.get("time_sliced") is True for r in rows), rows
print("ok: --allow-time-sliced: every row and the meta marked")
PY
	;;
*)	echo "usage: $0 EXE check N | compare N | kill N K | mps" >&2
	exit 99 ;;
esac
exit 0
