# SPDX-License-Identifier: MIT
"""Free TCP ports for tests that start real tools on 127.0.0.1."""
import random
import socket


def free_port(span=1):
    """A base port with span ports free above it (base .. base+span-1),
    all below the kernel's ephemeral range: a port bind(0) hands out comes
    from the range outgoing connections take their source ports from, so
    between our close() and the tool's bind() any parallel test's connect()
    could take it (seen once as a 0.08 s failure)."""
    try:
        low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read()
                  .split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    rng = random.Random()
    for _ in range(200):
        base = rng.randrange(10000, max(low - span, 10001))
        socks = []
        try:
            for p in range(base, base + span):
                s = socket.socket()
                socks.append(s)
                s.bind(("127.0.0.1", p))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no %d free ports below %d" % (span, low))
