#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""report.html in a real browser: Debian's chromium, headless, driven over
the DevTools protocol on a pipe (--remote-debugging-pipe: fds 3 and 4, no
network, no library). It loads the page of a real loopback `netroof
check`, collects every console message, exception and log entry
(Runtime.consoleAPICalled, Runtime.exceptionThrown, Log.entryAdded), asks
the DOM for the three plots and their size, and takes a screenshot.
First it proves the listener works: a page that logs a console error and
throws must be caught.
  browser.py NETROOF [SCREENSHOT.png [PAGE.html [HEIGHT]]]
PAGE: check that page instead of a fresh loopback run's (the README's
picture is the lab report's); HEIGHT: the screenshot's, in pixels (the
whole page by default).
Exit 0 pass, 1 fail, 77 when chromium is not installed."""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checklib import (check_html, fail, pair, reap_leftovers,  # noqa: E402
                      subreaper)

EXE = sys.argv[1]
SHOT = sys.argv[2] if len(sys.argv) > 2 else None
PAGE = sys.argv[3] if len(sys.argv) > 3 else None
HEIGHT = int(sys.argv[4]) if len(sys.argv) > 4 else 0
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class Browser:
    def __init__(self, tmp):
        r3, self.w = os.pipe()	# chromium reads commands on fd 3
        self.r, w4 = os.pipe()	# and writes replies on fd 4
        # the shell puts the pipe ends on fds 3 and 4, then is chromium
        redir = "3<&%d 4>&%d" % (r3, w4) + "".join(
            " %d>&-" % fd for fd in (r3, w4) if fd not in (3, 4))
        self.p = subprocess.Popen(
            ["sh", "-c", 'exec "$0" "$@" ' + redir, CHROMIUM, "--headless",
             "--no-sandbox",
             "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync",
             "--no-first-run", "--disable-extensions",
             "--user-data-dir=" + os.path.join(tmp, "profile"),
             "--remote-debugging-pipe", "about:blank"],
            pass_fds=(r3, w4), stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(tmp, "chromium.err"), "w"))
        os.close(r3)
        os.close(w4)
        self.buf, self.id, self.events, self.session = b"", 0, [], None

    def _read(self, deadline):
        while b"\0" not in self.buf:
            if time.monotonic() > deadline:
                fail("chromium did not answer")
            chunk = os.read(self.r, 1 << 20)
            if not chunk:
                fail("chromium closed the pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=True, timeout=30):
        self.id += 1
        m = {"id": self.id, "method": method, "params": params or {}}
        if session and self.session:
            m["sessionId"] = self.session
        os.write(self.w, json.dumps(m).encode() + b"\0")
        end = time.monotonic() + timeout
        while True:
            r = self._read(end)
            if r.get("id") == self.id:
                if "error" in r:
                    fail("%s: %r" % (method, r["error"]))
                return r.get("result", {})
            self.events.append(r)

    def drain(self, secs):
        """Events for secs (the page settles)."""
        end = time.monotonic() + secs
        os.set_blocking(self.r, False)
        try:
            while time.monotonic() < end:
                try:
                    chunk = os.read(self.r, 1 << 20)
                    if chunk:
                        self.buf += chunk
                except BlockingIOError:
                    time.sleep(0.05)
                while b"\0" in self.buf:
                    msg, self.buf = self.buf.split(b"\0", 1)
                    self.events.append(json.loads(msg))
        finally:
            os.set_blocking(self.r, True)

    def open(self, url, width=1100, height=900):
        t = self.call("Target.createTarget", {"url": "about:blank"},
                      session=False)
        a = self.call("Target.attachToTarget", {"targetId": t["targetId"],
                                                "flatten": True},
                      session=False)
        self.session = a["sessionId"]
        for m in ("Runtime.enable", "Log.enable", "Page.enable"):
            self.call(m)
        self.call("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1,
            "mobile": False})
        self.events = []
        self.call("Page.navigate", {"url": url})
        end = time.monotonic() + 30
        while not any(e.get("method") == "Page.loadEventFired"
                      for e in self.events):
            if time.monotonic() > end:
                fail("the page did not load")
            self.drain(0.1)
        self.drain(0.5)

    def errors(self):
        out = []
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.consoleAPICalled" and p.get("type") in (
                    "error", "warning", "assert"):
                out.append("console.%s: %s" % (p["type"], " ".join(
                    str(a.get("value", a.get("description")))
                    for a in p.get("args", []))))
            elif m == "Runtime.exceptionThrown":
                out.append("exception: %s" % p["exceptionDetails"].get(
                    "exception", {}).get("description",
                                         p["exceptionDetails"]["text"]))
            elif m == "Log.entryAdded" and p["entry"]["level"] in (
                    "error", "warning"):
                out.append("log %s: %s %s" % (p["entry"]["level"],
                                              p["entry"]["text"],
                                              p["entry"].get("url", "")))
        return out

    def eval(self, expr):
        r = self.call("Runtime.evaluate", {"expression": expr,
                                           "returnByValue": True})
        return r["result"].get("value")

    def close(self):
        try:
            self.call("Browser.close", session=False, timeout=10)
        except SystemExit:
            pass
        try:
            self.p.wait(10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


def main():
    if not CHROMIUM:
        print("SKIP: chromium is not installed (apt-get install chromium)",
              file=sys.stderr)
        sys.exit(77)
    subreaper()
    with tempfile.TemporaryDirectory(prefix="netroof-browser-") as tmp:
        page = os.path.abspath(PAGE) if PAGE else None
        if not page:
            w, c = pair(EXE, tmp, [], ["--skip", "rdma,nccl", "--budget",
                                       "0.2", "--iters", "200"])
            if (c.wait(120), w.wait(30)) != (0, 0):
                fail("the check failed:\n" + w.err() + c.err())
            page = os.path.join(w.dir, "report.html")
        check_html(page)

        b = Browser(tmp)
        # the listener catches what it must
        bad = os.path.join(tmp, "bad.html")
        open(bad, "w").write("<!DOCTYPE html><html><body><script>"
                             "console.error('planted error');"
                             "throw new Error('planted throw');"
                             "</script></body></html>")
        b.open("file://" + bad)
        caught = b.errors()
        if not any("planted error" in e for e in caught) or \
           not any("planted throw" in e for e in caught):
            fail("the console listener missed planted errors: %r" % caught)

        b.open("file://" + page)
        errs = b.errors()
        plots = b.eval("JSON.stringify([...document.querySelectorAll("
                       "'svg.plot')].map(s => [s.id, "
                       "Math.round(s.getBoundingClientRect().width), "
                       "Math.round(s.getBoundingClientRect().height), "
                       "s.querySelectorAll('polyline,rect,circle').length]))")
        plots = json.loads(plots)
        h = b.eval("document.documentElement.scrollHeight")
        rows = b.eval("document.querySelectorAll('table tr').length")
        if SHOT:
            # a picture for the docs (HEIGHT given) is scaled down: small
            b.call("Emulation.setDeviceMetricsOverride", {
                "width": 1100, "height": HEIGHT or min(int(h), 4000),
                "deviceScaleFactor": 0.6 if HEIGHT else 1,
                "mobile": False})
            png = b.call("Page.captureScreenshot", {"format": "png"})
            open(SHOT, "wb").write(base64.b64decode(png["data"]))
        b.close()
        left = reap_leftovers()
        if errs:
            fail("console errors in report.html: %r" % errs)
        ids = [p[0] for p in plots]
        if ids != ["plot-prediction", "plot-latency", "plot-bandwidth"]:
            fail("plots %r" % plots)
        for pid, wd, ht, shapes in plots:
            if wd < 300 or ht < 150 or shapes < 3:
                fail("plot %s rendered %dx%d with %d shapes" % (pid, wd, ht,
                                                                shapes))
        if rows < 20:
            fail("only %d table rows" % rows)
        if left:
            fail("left behind: %r" % left)
        print("browser: no console errors; plots %r; page %d px%s" % (
            plots, h, "; screenshot " + SHOT if SHOT else ""))


main()
