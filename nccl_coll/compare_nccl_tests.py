#!/usr/bin/env python3
"""Side-by-side table: nccl_coll's all-reduce JSON against nccl-tests'
all_reduce_perf text output from the same GPU and the same command.

Like with like: nccl-tests' "time" is the mean of back-to-back launches
(pipelined); -G N captures its -n ops in a graph launched N times. nccl_coll's
oop_time_us is the same quantity (--pipe-iters = -n, --graph-launches = -G,
averaged over --pipe-reps repetitions); its isolated p50 is a different,
one-op-at-a-time semantic and is shown for reference only.

usage: compare_nccl_tests.py NCCL_COLL.json GRAPH.txt [GRAPH2.txt] \
           --eager EAGER.txt [--max 1048576]
"""
import argparse
import json
import sys


def read_nccl_tests(path):
    rows = {}
    with open(path) as f:
        for line in f:
            if line.startswith('#') or not line.strip():
                continue
            t = line.split()
            try:
                size = int(t[0])
                rows[size] = (float(t[5]), float(t[9]))  # oop, in-place us
            except (ValueError, IndexError):
                continue
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('nccl_coll')
    ap.add_argument('graph', nargs='+')
    ap.add_argument('--eager')
    ap.add_argument('--max', type=int, default=1 << 20)
    a = ap.parse_args()
    doc = json.load(open(a.nccl_coll))
    mine = {}
    for r in doc['results']:
        if r.get('op') == 'allreduce':
            mine[(r['size'], r['mode'])] = r
    graphs = [read_nccl_tests(g) for g in a.graph]
    eager = read_nccl_tests(a.eager) if a.eager else {}
    hdr = ['size (B)', 'nccl_coll graph mean (1st rep: fresh graph)',
           'nccl_coll graph mean (all reps)', 'nccl-tests -G mean (runs)',
           '<= nccl-tests', 'nccl_coll graph iso p50 / p99',
           'nccl_coll eager mean', 'nccl-tests eager mean']
    print('| ' + ' | '.join(hdr) + ' |')
    print('|' + '---|' * len(hdr))
    worst_ok = True
    for size in sorted(s for s, m in mine if m == 'graph'):
        if size > a.max:
            continue
        g = mine[(size, 'graph')]
        e = mine.get((size, 'eager'), {})
        nt = [x[size][0] for x in graphs if size in x]
        first = g.get('oop_time_us_reps', [g['oop_time_us']])[0]
        ok = bool(nt) and max(first, g['oop_time_us']) <= min(nt)
        worst_ok &= ok
        print('| %d | %.2f | %.2f | %s | %s | %.2f / %.2f | %s | %s |' % (
            size, first, g['oop_time_us'],
            ' / '.join('%.2f' % v for v in nt),
            'yes' if ok else 'NO', g['oop_lat_us_p50'], g['oop_lat_us_p99'],
            '%.2f' % e['oop_time_us'] if e else '-',
            '%.2f' % eager[size][0] if size in eager else '-'))
    print()
    print('all sizes <= %d B: nccl_coll graph mean <= every nccl-tests -G '
          'run: %s' % (a.max, 'yes' if worst_ok else 'NO'))
    return 0 if worst_ok else 1


if __name__ == '__main__':
    sys.exit(main())
