#!/usr/bin/python3
"""A test client that asks an SSH server for a channel or a subsystem
before authenticating, which libssh's and OpenSSH's clients never do.

    ssh_preauth.py HOST PORT channel|subsystem

channel: a "session" channel open (SSH_MSG_CHANNEL_OPEN, 90); subsystem:
a "corral" subsystem request on channel 0 (SSH_MSG_CHANNEL_REQUEST, 98),
both right after key exchange.  Exit 3 if the server refused (it hung up
or denied the channel), 0 if it granted it or still talks 5 s later, 2 on
any other error.  Debian's python3-paramiko (tests only)."""
import socket
import sys
import time

import paramiko
from paramiko.common import cMSG_CHANNEL_OPEN, cMSG_CHANNEL_REQUEST
from paramiko.message import Message


def main():
    if len(sys.argv) != 4 or sys.argv[3] not in ("channel", "subsystem"):
        print("usage: ssh_preauth.py HOST PORT channel|subsystem",
              file=sys.stderr)
        return 2
    try:
        sock = socket.create_connection((sys.argv[1], int(sys.argv[2])), 5)
        t = paramiko.Transport(sock)
        t.start_client(timeout=5)
    except (OSError, paramiko.SSHException) as e:
        print(f"ssh_preauth: key exchange: {e}", file=sys.stderr)
        return 2
    m = Message()
    if sys.argv[3] == "channel":
        m.add_byte(cMSG_CHANNEL_OPEN)
        m.add_string("session")
        m.add_int(0)
        m.add_int(65536)
        m.add_int(32768)
    else:
        m.add_byte(cMSG_CHANNEL_REQUEST)
        m.add_int(0)
        m.add_string("subsystem")
        m.add_boolean(True)
        m.add_string("corral")
    t._send_user_message(m)
    end = time.monotonic() + 5
    while t.is_active() and time.monotonic() < end:
        time.sleep(0.05)
    refused = not t.is_active()
    t.close()
    print(f"ssh_preauth: {sys.argv[3]}: "
          f"{'refused' if refused else 'still served'}", file=sys.stderr)
    return 3 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
