#!/usr/bin/env python3
"""Fault injection with real processes over 127.0.0.1.

    faults.py IB_LAT CASE

Real `ib_lat -t tcp` servers and clients; a peer dies (SIGKILL) or freezes
(SIGSTOP) at a named phase (NETROOF_FAULT, common/fault.h); hostile peers
written here speak garbage, the wrong magic, frames past the cap, truncated
frames, or nothing; a proxy between two real processes mangles one frame.
Every case asserts, on every side still running, the exit status, the
message and the time it took (from the moment of the fault). Exit 0 pass,
1 fail, 77 skip.
"""
import atexit
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

from ports import free_port  # tests/common/ports.py, beside this file

T = 2.0          # --timeout given to every ib_lat
SLACK = 3.0      # scheduling, process start, sanitizer builds
FAST = SLACK     # an error the peer's close makes immediate
MAGIC = b"NRF1\x00\x01\x00\x00"


class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)


def kill_all():
    for p in Proc.alive:
        p.kill()


atexit.register(kill_all)


class Proc:
    """An ib_lat process whose stderr is read as it comes, with times.
    Every one started is killed when this script exits, whatever path it
    takes (a Fail raised between starting a server and the try that would
    kill it once left a server listening for good)."""

    alive = []

    def __init__(self, name, argv, fault=None):
        env = dict(os.environ)
        env.pop("NETROOF_FAULT", None)
        if fault:
            env["NETROOF_FAULT"] = fault
        self.name = name
        self.lines = []         # (monotonic time, text)
        self.p = subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, env=env)
        Proc.alive.append(self)
        self.t_end = None
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.p.stderr:
            self.lines.append((time.monotonic(), raw.decode(errors="replace")))

    def text(self):
        return "".join(l for _, l in self.lines)

    def wait_line(self, pattern, timeout=10.0):
        """Time at which a stderr line matched pattern."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            done = self.p.poll() is not None and not self.reader.is_alive()
            for t, l in list(self.lines):
                if re.search(pattern, l):
                    return t
            if done:    # all of its stderr was read: it is not coming
                break
            time.sleep(0.01)
        raise Fail("%s: no line matching %r; stderr:\n%s" %
                   (self.name, pattern, self.text()))

    def wait(self, timeout):
        try:
            self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            raise Fail("%s still running %.1f s later; stderr:\n%s" %
                       (self.name, timeout, self.text()))
        self.t_end = time.monotonic()
        self.reader.join(2)
        return self.p.returncode

    def stopped(self):
        try:
            with open("/proc/%d/stat" % self.p.pid) as f:
                return f.read().rsplit(")", 1)[1].split()[0] == "T"
        except OSError:
            return False

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()


def expect_end(proc, t0, rc, msg, lo=0.0, hi=FAST):
    """proc ends with rc within [lo, hi] s of t0, its stderr matching msg."""
    got = proc.wait(hi + 5)
    dt = proc.t_end - t0
    text = proc.text()
    check(got == rc, "%s: exit %s, want %d; stderr:\n%s" %
          (proc.name, got, rc, text))
    check(re.search(msg, text), "%s: stderr lacks %r:\n%s" %
          (proc.name, msg, text))
    check(lo <= dt <= hi, "%s: ended %.2f s after the fault, want %.1f..%.1f"
          % (proc.name, dt, lo, hi))
    print("ok: %s exit %d after %.2f s: %s" %
          (proc.name, got, dt, re.search(msg, text).group(0)))


def args(port, *more):
    return ["-t", "tcp", "-p", str(port), "--timeout", str(T), "-b", "2",
            "-e", "64", "-n", "300", "-w", "10"] + list(more)


def server(ib, port, fault=None, extra=()):
    s = Proc("server", [ib] + args(port, *extra), fault)
    s.wait_line("server waiting on")
    return s


def client(ib, port, json_path=None, fault=None, host="127.0.0.1"):
    a = args(port, "-q") + (["-J", json_path] if json_path else []) + [host]
    return Proc("client", [ib] + a, fault)


def json_valid_with_error(path):
    with open(path) as f:
        d = json.load(f)
    check(d.get("error"), "JSON %s has no error set" % path)


# ---- a peer killed or stopped at each phase ---------------------------

# (survivor message when the victim was killed, when it was stopped, and
# whether the survivor can only learn it from its own --timeout)
PHASES = {
    # victim server / client killed -> what the other says, how soon
    "hello": {
        "kill": {"server": (r"peer closed the connection", FAST),
                 "client": (r"peer closed the connection", FAST)},
        "stop": r"no answer within 2\.0 s",
    },
    "params": {
        "kill": {"server": (r"peer closed the connection", FAST),
                 "client": (r"peer closed|no data connection from the client",
                            T + SLACK)},
        "stop": r"no answer within 2\.0 s|no data connection from the client "
                r"within 2\.0 s",
    },
    "connect": {
        "kill": {"server": (r"Connection (refused|reset by peer)|peer closed the data "
                            r"connection", FAST),
                 "client": (r"no data connection from the client within "
                            r"2\.0 s", T + SLACK)},
        "stop": r"nothing from the peer for 2\.0 s|no data connection from "
                r"the client within 2\.0 s",
    },
    "measure": {
        "kill": {"server": (r"peer closed the data connection", FAST),
                 "client": (r"peer closed the data connection", FAST)},
        "stop": r"nothing from the peer for 2\.0 s",
    },
    "teardown": {
        "kill": {"server": (r"peer closed the connection", FAST),
                 "client": (r"peer closed the connection", FAST)},
        "stop": r"no answer within 2\.0 s",
    },
}


def phase_case(ib, tmp, phase, action):
    for victim in ("server", "client"):
        port = free_port()
        jpath = os.path.join(tmp, "%s-%s.json" % (phase, victim))
        fault = "%s:%s" % (phase, action)
        srv = server(ib, port, fault if victim == "server" else None)
        cli = client(ib, port, jpath, fault if victim == "client" else None)
        v, s = (srv, cli) if victim == "server" else (cli, srv)
        try:
            t0 = v.wait_line(r"NETROOF_FAULT: %s at %s" % (action, phase))
            if action == "kill":
                msg, hi = PHASES[phase]["kill"][victim]
                expect_end(s, t0, 1, msg, hi=hi)
                check(v.wait(5) == -signal.SIGKILL, "victim not killed")
            else:
                # Alive but silent: the survivor must wait its --timeout
                # (not less: the peer is not gone) and then end.
                expect_end(s, t0, 1, PHASES[phase]["stop"], lo=T - 0.3,
                           hi=T + SLACK)
                check(v.stopped(), "the victim is no longer stopped")
            if victim == "client":
                check(not os.path.exists(jpath),
                      "a killed client left %s" % jpath)
            else:
                json_valid_with_error(jpath)
                print("ok: client's JSON valid, with the error")
        finally:
            srv.kill()
            cli.kill()


# ---- hostile peers written here ----------------------------------------

def listen(port):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(4)
    return ls


def raw_client(port, payload, hold=8.0):
    """Connect, send payload, keep the socket open hold seconds."""
    def run():
        s = socket.create_connection(("127.0.0.1", port))
        if payload:
            s.sendall(payload)
        end = time.monotonic() + hold
        s.settimeout(0.2)
        while time.monotonic() < end:
            try:
                if not s.recv(4096):
                    break
            except socket.timeout:
                pass
            except OSError:
                break
        s.close()
    th = threading.Thread(target=run, daemon=True)
    th.start()
    return time.monotonic()


def hostile_server(port, payload, hold=8.0):
    """Listen; on the first connection send payload and hold it open."""
    ls = listen(port)

    def run():
        c, _ = ls.accept()
        if payload:
            c.sendall(payload)
        time.sleep(hold)
        c.close()
        ls.close()
    threading.Thread(target=run, daemon=True).start()
    return ls


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        k = s.recv(n - len(b))
        if not k:
            return None
        b += k
    return b


class Proxy:
    """client -> proxy -> server, forwarding the bootstrap's preamble and
    frames; one frame of one direction is mangled. direction "c2s" or
    "s2c"; frame 0 is the preamble, 1 the hello, 2.. what follows."""

    def __init__(self, listen_port, server_port, direction, frame, action):
        self.ls = listen(listen_port)
        self.sport = server_port
        self.rule = (direction, frame, action)
        self.t_action = None
        self.hijack_refused = None
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        c, _ = self.ls.accept()
        s = socket.create_connection(("127.0.0.1", self.sport))
        self.socks = (c, s)
        a = threading.Thread(target=self._pipe, args=(c, s, "c2s"), daemon=True)
        b = threading.Thread(target=self._pipe, args=(s, c, "s2c"), daemon=True)
        a.start()
        b.start()
        a.join()
        b.join()
        for x in (c, s):
            x.close()
        self.ls.close()

    def _close_all(self):
        for x in self.socks:
            try:
                x.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _pipe(self, src, dst, direction):
        k = 0
        swallow = False
        try:
            pre = recv_exact(src, 8)
            if pre is None:
                raise EOFError
            if self.rule[:2] == (direction, 0) and self.rule[2] == "magic":
                self.t_action = time.monotonic()
                pre = b"NRF2" + pre[4:]
            dst.sendall(pre)
            while True:
                hdr = recv_exact(src, 4)
                if hdr is None:
                    raise EOFError
                n = struct.unpack(">I", hdr)[0]
                body = recv_exact(src, n) if n else b""
                if body is None:
                    raise EOFError
                k += 1
                act = self.rule[2] if self.rule[:2] == (direction, k) else None
                if act:
                    self.t_action = time.monotonic()
                if swallow:
                    continue
                if act == "oversize":
                    dst.sendall(struct.pack(">I", 0x7ffffff0))
                    swallow = True
                elif act == "truncate":
                    dst.sendall(hdr + body[:len(body) // 2])
                    time.sleep(0.2)
                    self._close_all()
                    return
                elif act == "garbage":
                    dst.sendall(hdr + bytes((b ^ 0x5a) for b in body))
                elif act == "silence":
                    swallow = True
                elif act == "hijack-silent":
                    # ... or connects first and says nothing at all.
                    port = struct.unpack(">H", body[:2])[0]
                    self.hijacker = socket.create_connection(
                        ("127.0.0.1", port))
                    time.sleep(0.1)
                    dst.sendall(hdr + body)
                elif act == "hijack":
                    # Someone who read the port off the wire connects
                    # first, without the cookie.
                    port = struct.unpack(">H", body[:2])[0]
                    h = socket.create_connection(("127.0.0.1", port))
                    h.sendall(b"\0" * 8)
                    h.settimeout(3)
                    try:
                        self.hijack_refused = h.recv(1) == b""
                    except OSError:
                        self.hijack_refused = True
                    h.close()
                    dst.sendall(hdr + body)
                else:
                    dst.sendall(hdr + body)
        except (EOFError, OSError):
            pass
        if self.rule[2] == "silence":
            return      # the other side must find out by its own timeout
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def proxy_case(ib, tmp, direction, frame, action, smsg, shi, cmsg, chi,
               src=1, crc=1):
    sport, pport = free_port(), free_port()
    srv = server(ib, sport)
    px = Proxy(pport, sport, direction, frame, action)
    jpath = os.path.join(tmp, "proxy.json")
    cli = client(ib, pport, jpath)
    try:
        end = time.monotonic() + 10
        while px.t_action is None and time.monotonic() < end:
            time.sleep(0.01)
        check(px.t_action is not None, "the proxy never saw frame %d" % frame)
        expect_end(cli, px.t_action, crc, cmsg, hi=chi)
        expect_end(srv, px.t_action, src, smsg, hi=shi)
        if crc:
            json_valid_with_error(jpath)
        return px
    finally:
        srv.kill()
        cli.kill()


def disk_full(ib, tmp):
    """Results onto a full tmpfs, in a mount namespace of our own."""
    if os.geteuid() != 0:
        print("SKIP: needs root for unshare -m and a tmpfs mount")
        sys.exit(77)
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    if probe.returncode:
        print("SKIP: unshare -m not permitted: %s" % probe.stderr.decode())
        sys.exit(77)
    d = os.path.join(tmp, "small")
    os.mkdir(d)
    for fill, want_rc in ((True, 1), (False, 0)):
        port = free_port()
        srv = server(ib, port)
        script = ('mount -t tmpfs -o size=64k tmpfs "$1" || exit 77; '
                  + ('dd if=/dev/zero of="$1/fill" bs=4k 2>/dev/null; '
                     if fill else '')
                  + 'shift; "$@"; rc=$?; ls -A "$0" > "$0.ls" 2>&1; '
                  'cat "$0/o.json" > "$0.copy" 2>/dev/null; exit $rc')
        # sh -c SCRIPT $0=dir $1=dir then the command
        argv = ["unshare", "-m", "sh", "-c", script, d, d, ib] + \
            args(port, "-q", "-J", os.path.join(d, "o.json"),
                 "--csv", os.path.join(d, "o.csv"), "127.0.0.1")
        cli = Proc("client", argv)
        t0 = time.monotonic()
        try:
            rc = cli.wait(T + 10)
            if rc == 77:
                print("SKIP: cannot mount a tmpfs: %s" % cli.text())
                sys.exit(77)
            check(srv.wait(5) == 0, "server exit %s" % srv.p.returncode)
            with open(d + ".ls") as f:
                left = f.read().split()
            if fill:
                expect_end(cli, t0, 1, r"writing (JSON|CSV) file .* failed: "
                           r"No space left on device \(no file left behind\)",
                           hi=T + SLACK)
                check(left == ["fill"], "the full disk holds %r" % left)
                print("ok: nothing but the filler on the full disk: %r" % left)
            else:
                check(rc == 0, "client exit %d: %s" % (rc, cli.text()))
                check(sorted(left) == ["o.csv", "o.json"], "left %r" % left)
                with open(d + ".copy") as f:
                    check(json.load(f)["error"] is None, "error set")
                print("ok: with room, a valid JSON and CSV and nothing else")
        finally:
            srv.kill()
            cli.kill()


def main():
    ib, case = sys.argv[1], sys.argv[2]
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    # meson's timeout sends SIGTERM: exit through atexit (kill_all)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    with tempfile.TemporaryDirectory(prefix="netroof-faults-") as tmp:
        try:
            run(ib, case, tmp)
        except Fail as e:
            print("FAIL: %s: %s" % (case, e), file=sys.stderr)
            sys.exit(1)
    print("PASS: %s" % case)


def run(ib, case, tmp):
    m = re.match(r"(\w+)-(kill|stop)$", case)
    if m and m.group(1) in PHASES:
        return phase_case(ib, tmp, m.group(1), m.group(2))
    if case == "silent-client":
        port = free_port()
        srv = server(ib, port)
        t0 = raw_client(port, b"")
        expect_end(srv, t0, 1, r"no answer within 2\.0 s", lo=T - 0.3,
                   hi=T + SLACK)
    elif case == "silent-server":
        port = free_port()
        ls = hostile_server(port, b"")
        cli = client(ib, port)
        expect_end(cli, time.monotonic(), 1, r"no answer within 2\.0 s",
                   lo=T - 0.3, hi=T + SLACK)
        ls.close()
    elif case == "garbage-client":
        port = free_port()
        srv = server(ib, port)
        t0 = raw_client(port, b"GET / HTTP/1.0\r\n\r\n")
        expect_end(srv, t0, 1, r"is not a netroof peer \(bad magic "
                   r"0x47455420\)")
    elif case == "garbage-server":
        port = free_port()
        hostile_server(port, b"SSH-2.0-OpenSSH_9.2\r\n")
        cli = client(ib, port)
        expect_end(cli, time.monotonic(), 1, r"is not a netroof peer")
    elif case == "oversize-hello":
        # The hello's length is the first a peer sends: past the cap, it
        # is refused before anything is read or allocated.
        port = free_port()
        srv = server(ib, port)
        t0 = raw_client(port, MAGIC + struct.pack(">I", 0xfffffff0))
        expect_end(srv, t0, 1, r"bootstrap hello from .*: frame longer "
                   r"than this side accepts")
    elif case == "truncated-hello":
        port = free_port()
        srv = server(ib, port)
        t0 = raw_client(port, MAGIC + struct.pack(">I", 200) + b"x" * 50,
                        hold=0.3)
        expect_end(srv, t0 + 0.3, 1, r"bootstrap hello from .*: peer "
                   r"closed the connection")
    elif case == "proxy-magic":
        proxy_case(ib, tmp, "c2s", 0, "magic",
                   r"not a netroof peer \(bad magic 0x4e524632\)", FAST,
                   r"peer closed the connection", FAST)
    elif case == "proxy-garbage-hello":
        proxy_case(ib, tmp, "c2s", 1, "garbage",
                   r"bootstrap hello from .* is malformed", FAST,
                   r"peer closed the connection", FAST)
    elif case == "proxy-oversize-frame":
        # Past the hello: the server's data-port record, announced as
        # 2 GiB to a client that takes 10 bytes.
        proxy_case(ib, tmp, "s2c", 2, "oversize",
                   r"no data connection from the client within 2\.0 s",
                   T + SLACK,
                   r"a frame of 2147483632 bytes, longer than the 10 this "
                   r"side accepts", FAST)
    elif case == "proxy-truncated-frame":
        proxy_case(ib, tmp, "s2c", 2, "truncate",
                   r"no data connection from the client within 2\.0 s",
                   T + SLACK, r"peer closed the connection", FAST)
    elif case == "proxy-silence":
        proxy_case(ib, tmp, "c2s", 1, "silence",
                   r"no answer within 2\.0 s", T + SLACK,
                   r"no answer within 2\.0 s", T + SLACK)
    elif case == "hijack-data-port":
        px = proxy_case(ib, tmp, "s2c", 2, "hijack",
                        r"refused a data connection from 127\.0\.0\.1 "
                        r"without this run's cookie", 15,
                        r"", 15, src=0, crc=0)
        check(px.hijack_refused, "the impostor was not refused")
    elif case == "hijack-silent":
        proxy_case(ib, tmp, "s2c", 2, "hijack-silent",
                   r"refused a data connection from 127\.0\.0\.1 "
                   r"without this run's cookie", 15, r"", 15, src=0, crc=0)
    elif case == "busy":
        port = free_port()
        srv = Proc("server", [ib, "-t", "tcp", "-p", str(port), "-s", "64",
                              "-n", "400000", "--timeout", str(T)])
        srv.wait_line("server waiting on")
        first = Proc("first", [ib, "-t", "tcp", "-p", str(port), "-s", "64",
                               "-n", "400000", "-q", "--timeout", str(T),
                               "127.0.0.1"])
        time.sleep(0.7)     # the first is in (its run takes seconds)
        check(first.p.poll() is None, "the first run ended at once: %s" %
              first.text())
        second = Proc("second", [ib, "-t", "tcp", "-p", str(port), "-s", "64",
                                 "-n", "400000", "-q", "127.0.0.1"])
        t0 = time.monotonic()
        expect_end(second, t0, 1, r"rank 0 \(127\.0\.0\.1:\d+\) is busy with "
                   r"a run of its own and refused this one")
        check(first.p.poll() is None, "the first run ended early")
        expect_end(first, t0, 0, r"", hi=120)
        expect_end(srv, t0, 0, r"refused a connection from 127\.0\.0\.1:\d+: "
                   r"this run is in progress", hi=120)
    elif case == "port-in-use":
        port = free_port()
        ls = listen(port)   # not netroof: something else holds the port
        srv = Proc("server", [ib] + args(port))
        expect_end(srv, time.monotonic(), 1, r"port %d is in use" % port)
        ls.close()
    elif case == "usage":
        # Bad arguments end with a usage error naming the problem, never
        # a run that silently does something else.
        bad = [
            (["--cpu", "9999", "127.0.0.1"],
             r"--cpu 9999: no such CPU here \(CPUs this process may use: "
             r"[0-9][0-9,-]*\)"),
            (["-t", "tcp", "-x", "3", "127.0.0.1"], r"not -t tcp"),
            (["-t", "tcp", "--window", "8", "127.0.0.1"],
             r"--window is for --bw"),
            (["-t", "write", "--busy-poll", "127.0.0.1"],
             r"--busy-poll is for TCP"),
            (["--clients", "2", "127.0.0.1"], r"--clients is for the server"),
            (["-s", "64", "-b", "8", "127.0.0.1"],
             r"-s is one size; -b/-e/-f/-i/-a make a sweep"),
            (["-f", "2", "-i", "8", "127.0.0.1"],
             r"-i \(step bytes\) and -f \(step factor\) both given"),
            (["-b", "1", "-e", "1G", "-i", "1", "127.0.0.1"],
             r"the sweep has more than 65536 sizes"),
            (["-J", "x", "--csv", "x", "127.0.0.1"],
             r"-J and --csv name the same file"),
            (["--timeout", " 5", "127.0.0.1"], r"invalid timeout"),
            (["-t", "tcp", "--bind", "no.such.host.invalid", "-p",
              str(free_port())], r"cannot resolve bind address"),
        ]
        for a, msg in bad:
            p = Proc("ib_lat " + " ".join(a), [ib] + a)
            expect_end(p, time.monotonic(), 2, msg)
    elif case == "disk-full":
        disk_full(ib, tmp)
    else:
        print("unknown case %s" % case, file=sys.stderr)
        sys.exit(99)


if __name__ == "__main__":
    main()
