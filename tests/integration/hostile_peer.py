#!/usr/bin/python3
"""Hostile peers for tests/integration/hostile_peers.sh: slow, endless or
deaf clients of the slave's SSH port and the master's CLI socket.

    hostile_peer.py trickle ADDR N SECONDS   N connections, a byte a second
    hostile_peer.py flood ADDR SECONDS       bytes as fast as they go
    hostile_peer.py deaf-cli PATH SECONDS    HELLO, then requests, never
                                             reading a reply
    hostile_peer.py deaf-ssh HOST PORT KEY SECONDS   the same on a slave's
                                             corral subsystem (paramiko)
    hostile_peer.py deaf-broken-ssh HOST PORT KEY SECONDS   the same, 3 MiB
                                             of PINGs, then a frame of no
                                             type, then on: "closed S s
                                             after the broken frame"

ADDR is HOST:PORT (TCP) or a path (a Unix socket).  Each prints one line,
"closed after S s" (the longest, for trickle) or "open after S s", and
the bytes it got through; exit 0 if the server closed every connection
within SECONDS, 3 if one was still open.  Debian's python3-paramiko."""
import os
import re
import socket
import struct
import sys
import time

HELLO = 100


def proto_version():
    """PROTO_VERSION of this tree (proto/proto.h): the one HELLO offers."""
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "..", "proto", "proto.h")) as f:
        return int(re.search(r"#define PROTO_VERSION\s+(\d+)", f.read()).group(1))


VERSION = proto_version()
PING = 103
BROKEN_AFTER = 3 << 20     # deaf-broken-ssh: PINGs before the bad frame
CLI_HOSTS_REQ = 500


def frame(ftype, payload, fid=1):
    return struct.pack(">IHHI", len(payload), ftype, 0, fid) + payload


def hello(role):
    def s(x):
        return struct.pack(">I", len(x)) + x
    return frame(HELLO, struct.pack(">HHI", VERSION, VERSION, 0) + s(b"hostile") +
                 s(role))


def connect(addr):
    if ":" in addr and not addr.startswith("/"):
        host, port = addr.rsplit(":", 1)
        return socket.create_connection((host, int(port)), 5)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(addr)
    return s


def closed(s):
    """True if the server has closed s (EOF, reset, broken pipe)."""
    s.setblocking(False)
    try:
        while True:
            b = s.recv(65536)
            if not b:
                return True
    except BlockingIOError:
        return False
    except OSError:
        return True
    finally:
        s.setblocking(True)


def trickle(addr, n, secs):
    # a header's worth: SSH's banner, or the start of a CLI frame
    data = b"SSH-2.0-slow\r\n" if ":" in addr else hello(b"cli")
    socks = [connect(addr) for _ in range(n)]
    start = time.monotonic()
    shut = {}
    i = 0
    while len(shut) < n and time.monotonic() - start < secs:
        for k, s in enumerate(socks):
            if k in shut:
                continue
            try:
                s.send(data[i % len(data):i % len(data) + 1])
            except OSError:
                shut[k] = time.monotonic() - start
                continue
            if closed(s):
                shut[k] = time.monotonic() - start
        i += 1
        time.sleep(1)
    for s in socks:
        s.close()
    if len(shut) < n:
        print(f"open after {secs} s: {n - len(shut)} of {n}")
        return 3
    print(f"closed after {max(shut.values()):.0f} s (all {n})")
    return 0


def pump(s, data, secs):
    """Send data over and over, never reading; bytes sent, or -1 if the
    server kept the connection open for secs."""
    start = time.monotonic()
    sent = 0
    s.settimeout(1)
    while time.monotonic() - start < secs:
        try:
            sent += s.send(data)
        except socket.timeout:
            continue
        except OSError:
            return sent, time.monotonic() - start
    return sent, -1


def report(sent, took, secs):
    if took < 0:
        print(f"open after {secs} s, {sent} bytes sent")
        return 3
    print(f"closed after {took:.0f} s, {sent} bytes sent")
    return 0


def flood(addr, secs):
    s = connect(addr)
    sent, took = pump(s, b"\0" * 65536, secs)
    s.close()
    return report(sent, took, secs)


def deaf_cli(path, secs):
    s = connect(path)
    s.sendall(hello(b"cli"))
    s.recv(4096)                      # HELLO_OK: the last thing read
    reqs = b"".join(frame(CLI_HOSTS_REQ, b"\1", k) for k in range(256))
    sent, took = pump(s, reqs, secs)
    s.close()
    return report(sent, took, secs)


def deaf_ssh(host, port, key, secs, broken=False):
    import paramiko
    t = paramiko.Transport((host, int(port)))
    t.start_client(timeout=5)
    t.auth_publickey("root", paramiko.Ed25519Key.from_private_key_file(key))
    ch = t.open_session(timeout=5)
    ch.invoke_subsystem("corral")
    ch.sendall(hello(b"m"))
    pings = b"".join(frame(PING, struct.pack(">Q", k), k)
                     for k in range(256))
    start = time.monotonic()
    sent = 0
    broke = None
    while time.monotonic() - start < secs and not ch.closed:
        if broken and broke is None and sent >= BROKEN_AFTER:
            # a frame of no type: the slave's worker ends the session,
            # its PONGs and its ERROR held back by this peer's window
            ch.sendall(frame(0, b""))
            broke = time.monotonic()
        if ch.send_ready():
            # send() takes what the window allows, often part of pings
            # (the first time at the end of the slave's first window):
            # go on from there, so that the stream stays whole frames.
            # Sending pings from its start again cut a frame, and the
            # slave's worker ended the session on the garbage ("message
            # type 0: unknown message type"), never reaching the
            # back-pressure this peer is for.
            sent += ch.send(pings[sent % len(pings):])
        else:
            time.sleep(0.05)
    open_ = not ch.closed
    took = time.monotonic() - (broke if broke is not None else start)
    t.close()
    if broken:
        if broke is None:
            print(f"never broke the stream: {sent} bytes sent")
            return 1
        if open_:
            print(f"open {took:.0f} s after the broken frame, {sent} "
                  f"bytes sent")
            return 3
        print(f"closed {took:.0f} s after the broken frame, {sent} "
              f"bytes sent")
        return 0
    print(f"{'open' if open_ else 'closed'} after {secs} s, "
          f"{sent} bytes sent")
    return 0


def main(a):
    try:
        if a[0] == "trickle" and len(a) == 4:
            return trickle(a[1], int(a[2]), int(a[3]))
        if a[0] == "flood" and len(a) == 3:
            return flood(a[1], int(a[2]))
        if a[0] == "deaf-cli" and len(a) == 3:
            return deaf_cli(a[1], int(a[2]))
        if a[0] == "deaf-ssh" and len(a) == 5:
            return deaf_ssh(a[1], a[2], a[3], int(a[4]))
        if a[0] == "deaf-broken-ssh" and len(a) == 5:
            return deaf_ssh(a[1], a[2], a[3], int(a[4]), broken=True)
    except (OSError, IndexError) as e:
        print(f"hostile_peer: {e}", file=sys.stderr)
        return 2
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
