#!/usr/bin/env python3
"""Writes the seed corpora of the bootstrap fuzz targets from a real run.

    tests/fuzz/record-seeds.py BUILD/ib_lat/ib_lat tests/fuzz/corpus

A real `ib_lat -t tcp` server and client talk through a recording proxy;
what each side sent becomes the seeds, in each target's input format (see
the fuzz_oob_*.c headers). Real hellos carry ib_lat's own parameters, so
they take the targets' "parameters differ" paths; the same streams with
the targets' parameters ("iters=100\\nsize=8\\n") are written beside them
to reach the paths after a good hello. The other corpora (opts_*,
launch_env, hostlist) are hand-written from the README's and the tests'
command lines and environments.
"""
import os
import socket
import struct
import subprocess
import sys
import threading
import time

PARAMS = b"iters=100\nsize=8\n"


def fnv(b):
    h = 0xcbf29ce484222325
    for c in b:
        h = ((h ^ c) * 0x100000001b3) & 0xffffffffffffffff
    return h


def hello(rank, nranks, status, tool, params):
    return struct.pack(">HHHH16sQ", rank, nranks, status, 0,
                       tool.encode(), fnv(params)) + params


def frame(b):
    return struct.pack(">I", len(b)) + b


def frames(stream):
    """The frames of a stream after its 8-byte preamble."""
    out, p = [], 8
    while p + 4 <= len(stream):
        n = struct.unpack(">I", stream[p:p + 4])[0]
        out.append(stream[p + 4:p + 4 + n])
        p += 4 + n
    return out


def record(ib):
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    pport = ls.getsockname()[1]
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    sport = s.getsockname()[1]
    s.close()
    got = {"c2s": b"", "s2c": b""}
    common = ["-t", "tcp", "-p", str(sport), "-b", "2", "-e", "8",
              "-n", "20", "-w", "2", "-q"]
    srv = subprocess.Popen([ib] + common)
    time.sleep(0.3)

    def pipe(a, b, key):
        while True:
            d = a.recv(65536)
            if not d:
                break
            got[key] += d
            b.sendall(d)
        b.shutdown(socket.SHUT_WR)

    def run():
        c, _ = ls.accept()
        u = socket.create_connection(("127.0.0.1", sport))
        t = [threading.Thread(target=pipe, args=(c, u, "c2s")),
             threading.Thread(target=pipe, args=(u, c, "s2c"))]
        for x in t:
            x.start()
        for x in t:
            x.join()
    th = threading.Thread(target=run)
    th.start()
    # The client connects to the proxy; the TCP data port it is sent is
    # the server's, on the same address.
    cli = subprocess.run([ib] + common[:3] + [str(pport)] + common[4:] +
                         ["127.0.0.1"], capture_output=True)
    srv.wait(10)
    th.join(10)
    if cli.returncode or srv.returncode:
        sys.exit("record-seeds: the run failed: %s" % cli.stderr.decode())
    return got["c2s"], got["s2c"]


def write(d, name, data):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    ib, out = sys.argv[1], sys.argv[2]
    c2s, s2c = record(ib)
    cf, sf = frames(c2s), frames(s2c)
    pre = c2s[:8]
    # Our params in place of ib_lat's: the paths after a good hello.
    c_ok = pre + frame(hello(1, 2, 0, "ib_lat", PARAMS)) + \
        b"".join(frame(f) for f in cf[1:])
    s_ok = pre + frame(hello(0, 2, 0, "ib_lat", PARAMS)) + \
        b"".join(frame(f) for f in sf[1:])
    s_busy = pre + frame(hello(0, 2, 4, "ib_lat", b""))

    d = os.path.join(out, "oob_preamble")
    write(d, "real-client-stream", b"\x00" + c2s)
    write(d, "real-server-stream", b"\x01" + s2c)
    write(d, "client-stream", b"\x00" + c_ok)
    write(d, "server-stream", b"\x01" + s_ok)
    write(d, "server-busy", b"\x01" + s_busy)
    write(d, "http", b"\x00GET / HTTP/1.0\r\n\r\n")

    d = os.path.join(out, "oob_hello")
    write(d, "real-client-hello", cf[0])
    write(d, "real-server-hello", sf[0])
    write(d, "hello", hello(1, 2, 0, "ib_lat", PARAMS))
    write(d, "busy", hello(0, 2, 4, "ib_lat", b""))

    # oob_frame: byte 0 = rank | op << 1, bytes 1..2 = capacity (LE),
    # then the frames the peer sends after the hello.
    d = os.path.join(out, "oob_frame")
    after_c = b"".join(frame(f) for f in cf[1:])
    after_s = b"".join(frame(f) for f in sf[1:])
    write(d, "rank0-recv-real", bytes([0]) + struct.pack("<H", 64) + after_c)
    write(d, "rank1-recv-real", bytes([1]) + struct.pack("<H", 64) + after_s)
    write(d, "rank1-recv-port", bytes([1]) + struct.pack("<H", 10) + after_s)
    write(d, "rank0-allgather", bytes([0 | 1 << 1]) + struct.pack("<H", 1) +
          frame(b"B"))
    write(d, "rank1-allgather", bytes([1 | 1 << 1]) + struct.pack("<H", 1) +
          frame(b"BB"))
    write(d, "rank1-bcast", bytes([1 | 2 << 1]) + struct.pack("<H", 16) +
          frame(b"unique-id\0\0\0\0\0\0\0"))
    write(d, "rank1-barrier", bytes([1 | 3 << 1]) + struct.pack("<H", 0) +
          frame(b"BB"))
    write(d, "oversize", bytes([0]) + struct.pack("<H", 64) +
          struct.pack(">I", 0x7ffffff0))
    print("seeds written from a real run: %d bytes client->server, "
          "%d server->client" % (len(c2s), len(s2c)))


if __name__ == "__main__":
    main()
