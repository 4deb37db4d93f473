# SPDX-License-Identifier: MIT
"""What the netroof check tests share: running real `netroof check`
processes, reading their reports, validating report.html, and making sure
no process is left behind (the test is a child subreaper: anything the
checks forked and did not reap is re-parented here and found)."""
import ctypes
import html.parser
import json
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "common"))
import ports  # noqa: E402 (tests/common/ports.py)

PR_SET_CHILD_SUBREAPER = 36
PLOT_IDS = ("plot-prediction", "plot-latency", "plot-bandwidth")


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def subreaper():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        fail("prctl(PR_SET_CHILD_SUBREAPER) failed")


def free_port(span=64):
    """A base port with span free ports above it (the tools use them)."""
    try:
        return ports.free_port(span)
    except RuntimeError as e:
        fail(str(e))


def pair(exe, tmp, a0, a1, timeout="10", envs=(None, None)):
    """A waiting node A (args a0) and one connecting to it, B (a1), on a
    free port, each with its own extra environment."""
    base = ["-p", str(free_port()), "--timeout", timeout]
    w = Node(exe, tmp, "A", base + a0, envs[0])
    time.sleep(0.2)
    c = Node(exe, tmp, "B", ["127.0.0.1"] + base + a1, envs[1])
    return w, c


class Node:
    """One `netroof check` process with its report directory."""

    def __init__(self, exe, tmp, name, args, env=None):
        self.dir = os.path.join(tmp, name)
        self.err_path = os.path.join(tmp, name + ".err")
        self.out_path = os.path.join(tmp, name + ".out")
        e = dict(os.environ)
        e.update(env or {})
        self.p = subprocess.Popen([exe, "check", "-o", self.dir] + args,
                                  stdout=open(self.out_path, "w"),
                                  stderr=open(self.err_path, "w"), env=e)

    def wait(self, timeout):
        try:
            rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            fail("%s did not end within %.0f s:\n%s" % (self.dir, timeout,
                                                       self.err()))
        return rc

    def err(self):
        return open(self.err_path).read()

    def out(self):
        return open(self.out_path).read()

    def report(self):
        return json.load(open(os.path.join(self.dir, "report.json")))

    def wait_for(self, pattern, timeout):
        """Until stderr matches pattern (a regex)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if re.search(pattern, self.err()):
                return
            if self.p.poll() is not None:
                fail("%s ended (rc %d) before '%s':\n%s" % (
                    self.dir, self.p.returncode, pattern, self.err()))
            time.sleep(0.05)
        fail("no '%s' within %.0f s:\n%s" % (pattern, timeout, self.err()))


def reap_leftovers(grace=3.0):
    """Every process re-parented to us must end by itself within grace
    (children of a killed check die with it: PR_SET_PDEATHSIG). Returns
    the command lines of those that did not (and kills them)."""
    end = time.monotonic() + grace
    left = []
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return left
        if pid:
            continue
        if time.monotonic() > end:
            break
        time.sleep(0.05)
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            stat = open("/proc/%s/stat" % d).read()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid != os.getpid():
                continue
            cmd = open("/proc/%s/cmdline" % d).read().replace("\0", " ")
            left.append(cmd)
            os.kill(int(d), signal.SIGKILL)
        except (OSError, ValueError):
            continue
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            break
    return left


class Checker(html.parser.HTMLParser):
    """Well-formedness of report.html: every element closed in order,
    attributes quoted, no reference to anything outside the page."""
    VOID = {"meta", "br", "img", "hr", "input", "link", "line", "circle",
            "rect", "polyline", "path"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.svgs, self.ids = [], [], [], set()
        self.tags = {}

    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        a = dict(attrs)
        if "id" in a:
            if a["id"] in self.ids:
                self.errors.append("duplicate id " + a["id"])
            self.ids.add(a["id"])
        for k, v in attrs:
            if k in ("src", "href") or (v and re.match(r"(https?:)?//", v)
                                        and k != "xmlns"):
                self.errors.append("external reference %s=%s" % (k, v))
        if tag == "svg":
            self.svgs.append({"id": a.get("id"), "shapes": 0})
        elif tag in ("polyline", "rect", "circle") and self.svgs:
            self.svgs[-1]["shapes"] += 1
        if tag == "script":
            self.errors.append("a script in the page")
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append("</%s> closes <%s>" % (
                tag, self.stack[-1] if self.stack else "nothing"))
            return
        self.stack.pop()


def check_html(path):
    """Parse report.html; every plot present with drawn shapes."""
    text = open(path, encoding="utf-8").read()
    c = Checker()
    c.feed(text)
    c.close()
    if c.stack:
        c.errors.append("unclosed: " + " ".join(c.stack))
    if not text.startswith("<!DOCTYPE html>"):
        c.errors.append("no doctype")
    if c.errors:
        fail("%s: %s" % (path, "; ".join(c.errors[:10])))
    ids = [s["id"] for s in c.svgs]
    for pid in PLOT_IDS:
        if pid not in ids:
            fail("%s: no <svg id=%s> (have %r)" % (path, pid, ids))
    return {s["id"]: s["shapes"] for s in c.svgs}


def check(rep, cid):
    for c in rep["checks"]:
        if c["id"] == cid:
            return c
    fail("no check " + cid)


def steps(rep, kind):
    return [s for s in rep["steps"] if s["kind"] == kind]
