#!/bin/sh
# sim output through common/out: every subcommand writes -J FILE (a JSON
# document {meta, params, results, summary, error}) and --csv FILE (the same
# rows), never overwrites either, and -J - replaces the table on stdout. The
# dispatcher lists its table and refuses unknown commands. sim explain's
# sentences are checked against the numbers of the same run, for several
# models, contexts and a measured --net file.
# usage: output.sh SIM_EXE TESTS_SIM_DIR SOURCE_ROOT
set -u
sim=$1; here=$2; root=$3
command -v python3 >/dev/null || { echo "SKIP: needs python3" >&2; exit 77; }
fail=0
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
measured=$root/results/vllm/qwen3-coder-gb10-2node.csv

bad() { echo "FAIL: $*" >&2; fail=1; }

# doc FILE COMMAND MIN_ROWS: a complete document of that command
doc() {
	python3 - "$@" <<'PY' || bad "JSON document $1 ($2)"
import json, sys
path, cmd, nmin = sys.argv[1], sys.argv[2], int(sys.argv[3])
d = json.load(open(path))
assert set(d) == {"meta", "params", "results", "summary", "error"}, list(d)
m = d["meta"]
assert m["tool"] == "sim" and m["command"] == cmd, (m["tool"], m["command"])
assert m["argv"][1] == cmd and m["version"] and m["time_utc"], m["argv"]
assert m["data_dir"], "no data_dir"
assert d["error"] is None, d["error"]
assert len(d["results"]) >= nmin, len(d["results"])
assert isinstance(d["summary"], dict) and d["summary"], "empty summary"
assert d["params"]["hw"] == "gb10", d["params"]
PY
}

# csv_matches CSV JSON: same rows, same keys (scalars), same values
csv_matches() {
	python3 - "$@" <<'PY' || bad "CSV $1 against $2"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
res = json.load(open(sys.argv[2]))["results"]
assert len(rows) == len(res), (len(rows), len(res))
for r, j in zip(rows, res):
    keys = [k for k, v in j.items() if not isinstance(v, (dict, list))]
    assert list(r) == keys, (list(r), keys)
    for k in keys:
        v = j[k]
        if v is None:
            assert r[k] == "", (k, r[k])
        elif isinstance(v, bool):
            assert r[k] == ("yes" if v else "no"), (k, r[k])
        elif isinstance(v, (int, float)):
            assert float(r[k]) == float(v), (k, r[k], v)
        else:
            assert r[k] == v, (k, r[k], v)
PY
}

# out_test NAME COMMAND MIN_ROWS TABLE_PATTERN -- sim arguments...
out_test() {
	name=$1; cmd=$2; nmin=$3; pat=$4; shift 5
	j=$tmp/$name.json; c=$tmp/$name.csv
	"$sim" "$@" -J "$j" --csv "$c" >"$tmp/$name.out" 2>"$tmp/$name.err"
	rc=$?
	[ $rc -le 1 ] || { bad "$name: exit $rc"; cat "$tmp/$name.err" >&2; return; }
	doc "$j" "$cmd" "$nmin"
	csv_matches "$c" "$j"
	grep -q -- "$pat" "$tmp/$name.out" || bad "$name: no table on stdout ('$pat')"
	# never overwrite: exit 2, both files as they were
	sum=$(cat "$j" "$c" | cksum)
	"$sim" "$@" -J "$j" >/dev/null 2>"$tmp/$name.err2"
	[ $? -eq 2 ] || bad "$name: -J over an existing file did not exit 2"
	grep -q 'refusing to overwrite' "$tmp/$name.err2" || bad "$name: no refusal message"
	"$sim" "$@" --csv "$c" >/dev/null 2>&1
	[ $? -eq 2 ] || bad "$name: --csv over an existing file did not exit 2"
	[ "$(cat "$j" "$c" | cksum)" = "$sum" ] || bad "$name: an output file changed"
	# -J - : the document replaces the table on stdout
	"$sim" "$@" -J - >"$tmp/$name.stdout" 2>/dev/null
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/$name.stdout" ||
		bad "$name: -J - is not one JSON document on stdout"
}

out_test predict predict 1 '^=> .* tok/s' -- predict --model qwen3-coder-30b-a3b --mode ep --transport socket --ctx 16K
out_test explain explain 9 '^# sim explain' -- explain --model minimax-m2.5
out_test validate validate 52 '^=> \(PASS\|FAIL\)' -- validate --measured "$measured"
out_test sweep sweep 200 '' -- sweep
out_test plan plan 7 '^=> run ' -- plan --model gpt-oss-120b --transport socket

# predict: the row is the prediction the table shows
python3 - "$tmp/predict.json" "$tmp/predict.out" <<'PY' || bad "predict row against its table"
import json, re, sys
d = json.load(open(sys.argv[1]))
r = d["results"][0]
txt = open(sys.argv[2]).read()
assert (r["mode"], r["transport"], r["ctx"]) == ("ep", "socket", 16384), r
assert re.search(r"=> %.1f tok/s" % r["tok_s"], txt), r["tok_s"]
assert r["ep_skew_ms"] > 0 and r["allreduce_ms"] > 0 and r["kv_cache_ms"] > 0
assert abs(sum(v for k, v in r.items() if k.endswith("_ms") and
               k not in ("ms_per_token", "step_ms")) - r["ms_per_token"]) < 1e-3
assert d["summary"]["tok_s"] == r["tok_s"] and "ep_skew" in d["summary"]["terms"]
PY

# a run that fails still writes its document, with the error
"$sim" predict --model no-such-model -J "$tmp/err.json" 2>/dev/null
[ $? -eq 2 ] || bad "predict of an unknown model did not exit 2"
python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["error"]; assert e and "unknown model" in e, e' \
	"$tmp/err.json" || bad "error document"

# sweep needs somewhere to write
"$sim" sweep >/dev/null 2>&1
[ $? -eq 2 ] || bad "sweep without --out/-J/--csv did not exit 2"

# the dispatcher: sim --help lists the table, one line per command
"$sim" --help >"$tmp/help" || bad "sim --help exit $?"
for c in predict explain validate sweep plan; do
	grep -q "^  $c " "$tmp/help" || bad "sim --help does not list $c"
	"$sim" $c --help | grep -q -- '-J, --json FILE' || bad "sim $c --help lacks -J"
done
"$sim" >/dev/null 2>&1
[ $? -eq 2 ] || bad "sim without a command did not exit 2"
"$sim" frobnicate 2>"$tmp/err"
[ $? -eq 2 ] || bad "unknown command did not exit 2"
grep -q "unknown command 'frobnicate' (predict, explain, validate, sweep" "$tmp/err" ||
	bad "unknown command message lacks the command list"

# sim explain: every sentence follows from this run's numbers
explain_check() {
	name=$1; shift
	"$sim" explain "$@" -J "$tmp/x-$name.json" >"$tmp/x-$name.txt" 2>&1 ||
		{ bad "explain $name: exit $?"; return; }
	python3 - "$tmp/x-$name.json" "$tmp/x-$name.txt" <<'PY' || bad "explain $name: text against numbers"
import json, re, sys
d = json.load(open(sys.argv[1]))
txt = open(sys.argv[2]).read()
rows, s = d["results"], d["summary"]
single = rows[0]
assert single["mode"] == "single"
assert "mostly hidden" not in txt  # the old fixed sentence
terms = [k for k in single if k.endswith("_ms") and k not in ("ms_per_token", "step_ms")]
found = s["findings"]
# the text prints the same findings (wrapped)
body = " ".join(txt.split("what the numbers of this run say:")[1].split())
for f in found:
    assert " ".join(f.split()) in body, f
pairs = {}
for i in range(1, len(rows), 2):
    so, ro = rows[i], rows[i + 1]
    assert (so["transport"], ro["transport"]) == ("socket", "roce")
    label = so["mode"].upper() + ("+EAGLE3" if so["spec"] == "eagle3" else "")
    pairs[label] = (so, ro)
assert [m["mode"] for m in s["modes"]] == list(pairs), (s["modes"], list(pairs))
for label, (so, ro) in pairs.items():
    f = [x for x in found if x.startswith(label + ":")]
    assert len(f) == 1, (label, found)
    f = f[0]
    m = re.match(r"\S+: ([0-9.]+) tok/s over sockets, ([0-9.]+) over RoCE \(([-+][0-9]+)%\)", f)
    assert m, f
    assert abs(float(m.group(1)) - so["tok_s"]) < 0.051, (f, so["tok_s"])
    assert abs(float(m.group(2)) - ro["tok_s"]) < 0.051, (f, ro["tok_s"])
    assert abs(int(m.group(3)) - 100 * (ro["tok_s"] / so["tok_s"] - 1)) < 0.6
    dep = [t for t in terms if abs(so[t] - ro[t]) >= 0.005]
    m = re.search(r"depend on the transport \(([^)]*)\) cost ([0-9.]+) ms/token over "
                  r"sockets \(([0-9]+)% of the time\) against ([0-9.]+) ms over RoCE", f)
    assert m, f
    assert m.group(1).split(", ") == [t[:-3] for t in dep], (m.group(1), dep)
    assert abs(float(m.group(2)) - sum(so[t] for t in dep)) < 0.011, f
    assert abs(float(m.group(4)) - sum(ro[t] for t in dep)) < 0.011, f
    n = {"all-reduce": ro["allreduce_n"], "all-gather": ro["allgather_n"], "stage hop": ro["p2p_n"]}
    for what, k in n.items():
        if k:
            assert re.search(r"\b%d %ss?\b" % (k, what), f), (what, k, f)
        else:
            assert what not in f, (what, f)
    gain = [t for t in dep if so[t] > ro[t]]
    back = [t for t in dep if so[t] < ro[t]]
    if back and gain:
        m = re.search(r"Of the ([0-9.]+) ms RoCE saves on ([^,]+(?:, [^,]+)*?), ([0-9.]+) ms", f)
        assert m, f
        assert abs(float(m.group(1)) - sum(so[t] - ro[t] for t in gain)) < 0.011, f
        assert abs(float(m.group(3)) - sum(ro[t] - so[t] for t in back)) < 0.011, f
    else:
        assert "RoCE saves" not in f, f
    top = sorted(terms, key=lambda t: -ro[t])[:3]
    m = re.search(r"largest terms are (.*)\.$", f)
    assert m and [x.split()[0] for x in m.group(1).split(", ")] == [t[:-3] for t in top], (f, top)
for tr, key, side in (("RoCE", "best_roce", 1), ("sockets", "best_socket", 0)):
    best = max(pairs, key=lambda k: pairs[k][side]["tok_s"])
    assert s[key] == best, (key, s[key], best)
    f = [x for x in found if x.startswith("Over %s the best is %s at" % (tr, best))]
    assert len(f) == 1, (tr, best, found)
    beat = [k for k in pairs if pairs[k][side]["tok_s"] > single["tok_s"]]
    if beat:
        assert "%d of %d modes beat one node (%s)" % (len(beat), len(pairs), ", ".join(beat)) in f[0], f
    else:
        assert "no mode beats one node" in f[0], f
PY
}
explain_check qwen0 --model qwen3-coder-30b-a3b
explain_check minimax16k --model minimax-m2.5 --ctx 16K --length short
explain_check dense --model "$here/dense-llama.json" --ctx 8K
explain_check net --model qwen3-coder-30b-a3b --net "$root/results/gpu/h200-loopback-20261203/nccl_n2.json"
explain_check nodes4 --model qwen3-coder-30b-a3b --nodes 4 --ctx 32K
exit $fail
