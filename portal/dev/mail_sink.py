"""Development mail server: an aiosmtpd SMTP server that files every message in a Maildir.

`make run` starts it on 127.0.0.1 and points the portal at it, so reset and activation mails
really go out over SMTP and can be read in `instance/mail/new/` (one file per message) or with
any Maildir reader (`mutt -f instance/mail`). Development only: plain SMTP on loopback.
"""

from __future__ import annotations

import argparse
import mailbox
import signal
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--maildir", default="instance/mail")
    args = parser.parse_args()
    mailbox.Maildir(args.maildir, create=True)
    controller = Controller(Mailbox(args.maildir), hostname=args.host, port=args.port)
    controller.start()
    print(f"mail sink on {args.host}:{args.port}, messages in {args.maildir}/new", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
