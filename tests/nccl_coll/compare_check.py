#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""What an nccl_coll --compare document must hold (gpu_check.sh: one rank;
multirank.sh: N ranks over a network).
  compare_check.py DOC N
Two checks per item, one on each communicator before its blocks, every
one made and passed; both medians in every row. With N >= 2 also: the
ranks, and each side over its own network (socket, ib)."""
import json
import sys

d = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
s, m, rows = d["summary"], d["meta"], d["results"]
assert d["error"] is None, d["error"]
assert rows, d
assert s["data_check"] == "passed", s
assert s["checks_planned"] == 2 * len(rows), (s, len(rows))
assert s["checks_done"] == s["checks_planned"] and s["wrong_total"] == 0, s
for r in rows:
    assert r["ib_wrong"] == 0 and r["socket_wrong"] == 0, r
    assert r["ib_lat_us_p50"] > 0 and r["socket_lat_us_p50"] > 0, r
if n >= 2:
    assert m["nranks"] == n, m
    for r in rows:
        assert r["socket_transport"] == "socket", r
        assert r["ib_transport"] == "ib", r
print("ok: --compare, %d rank(s): %d rows, %d checks passed (IB side over %s)"
      % (n, len(rows), s["checks_done"], rows[0]["ib_transport"]))
