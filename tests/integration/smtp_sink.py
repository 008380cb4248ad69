#!/usr/bin/python3
"""A loopback SMTP server for authd's mail tests (Debian's python3-aiosmtpd).

Stores every message it accepts as one file in --dir (written under a temporary name, then
renamed, so a reader never sees half a message). Options:
  --auth USER:PASSWORD   require AUTH PLAIN/LOGIN with these credentials (no TLS needed)
  --hold-first SECONDS   store the first message, then wait this long before answering 250:
                         a test kills authd in that window, after the message is safe here but
                         before authd learns it was accepted (the at-least-once duplicate case)
Prints "ready" on stdout once it listens; stops on SIGTERM or SIGINT.
"""
import argparse
import asyncio
import os
import signal
import sys
import threading
import uuid

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class Store:
    def __init__(self, folder, hold_first):
        self.folder = folder
        self.hold_first = hold_first
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        # Numbered in order of arrival (the event loop runs one handler step at a time), so a
        # reader that sorts by name reads them in that order.
        name = "%08d-%s.eml" % (self.count, uuid.uuid4().hex)
        tmp = os.path.join(self.folder, "." + name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(("X-Envelope-From: %s\r\n" % envelope.mail_from).encode())
            f.write(("X-Envelope-To: %s\r\n" % ",".join(envelope.rcpt_tos)).encode())
            f.write(envelope.original_content or envelope.content)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, os.path.join(self.folder, name))
        if self.count == 1 and self.hold_first > 0:
            await asyncio.sleep(self.hold_first)
        return "250 OK stored"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--auth", default="")
    p.add_argument("--hold-first", type=float, default=0)
    a = p.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    kwargs = {}
    if a.auth:
        user, password = a.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (auth_data.login.decode() == user and auth_data.password.decode() == password)
            return AuthResult(success=ok)

        kwargs = dict(authenticator=authenticator, auth_required=True, auth_require_tls=False)
    controller = Controller(Store(a.dir, a.hold_first), hostname="127.0.0.1", port=a.port,
                            **kwargs)
    controller.start()
    print("ready", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    while not done.wait(0.2):
        pass
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
