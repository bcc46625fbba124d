"""Scale-out proven (PostgreSQL + Redis): two gunicorn hosts on their own ports and instance
folders share logins, logouts, rate limits and the ledenzoeker cache version, and the jobs started
on both hosts at the same moment do every piece of work exactly once.

PostgreSQL only (the SQLite half of `make test` skips it): each host is a separate gunicorn
master with two workers; mail goes to a real SMTP server, invitations and the sync to the
provider emulator over HTTP.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
import redis
import requests
from sqlalchemy import func, select

from portal.core.models import OutboxMessage, OutboxStatus
from portal.dev.provider_emulator import make_emulator_server
from portal.directory.entries import refresh_all
from portal.extensions import db
from portal.invitations.models import Invitation, InviteStatus
from portal.reviews.models import Provider, SyncAttempt
from tests.conftest import PASSWORD, ROOT
from tests.invitations.conftest import ready_member  # noqa: F401  (fixture)
from tests.invitations.test_sending import queue
from tests.mailserver import Certificates, MailServer, free_port
from tests.reviews.conftest import (  # noqa: F401  (fixtures)
    emulator,
    emulator_config,
    emulator_server,
    make_link,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
        reason="scale-out needs PostgreSQL (and Redis)",
    ),
]
BIN = Path(sys.executable).parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SEARCH_LIMIT = 12
SLOW_LINKS = 24
# Per provider call of the sync: a run lasts over 10 s, so the other host's run, started at the
# same moment, meets it even when a loaded machine starts one process seconds late.
SLOW_SECONDS = 2.0
MAILS = 30
INVITES = 15


@pytest.fixture(scope="module")
def slow_emulator():
    server = make_emulator_server("127.0.0.1", 0, EMULATOR_LATENCY=SLOW_SECONDS)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def app_config(emulator):  # noqa: F811
    return emulator_config(emulator)


@pytest.fixture
def smtp(tmp_path):
    (tmp_path / "tls").mkdir()
    certs = Certificates(tmp_path / "tls")
    server = MailServer(certs).start()
    yield server, certs
    server.stop()


@pytest.fixture
def shared_redis():
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip("no Redis at " + REDIS_URL)
    prefix = f"lp-scale-{uuid.uuid4().hex[:8]}"
    yield prefix
    for key in client.scan_iter(match=prefix + "*"):
        client.delete(key)


def host_env(app, instance: Path, *, prefix: str, emulators: str, smtp_port: int, ca: Path):
    instance.mkdir()
    return {
        **os.environ,
        "PORTAL_ENV": "development",
        "FLASK_APP": "wsgi",
        "PORTAL_INSTANCE_PATH": str(instance),
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "SECRETS_KEYS": app.config["SECRETS_KEYS"],
        "REDIS_URL": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": prefix,
        "DIRECTORY_CACHE_REDIS_PREFIX": f"{prefix}:directory:",
        "DIRECTORY_SEARCH_RATE_LIMIT": f"{SEARCH_LIMIT}/minute",
        "PROVIDER_BASE_URLS": emulators,
        "PROVIDER_ALLOWED_HOSTS": "127.0.0.1",
        # The emulators are threads of this loaded test process: bounds on a hang, so that an
        # invitation's late answer is not an `unknown` row (the product's 5 and 10 s).
        "PROVIDER_READ_TIMEOUT": "30",
        "PROVIDER_INVITE_TIMEOUT": "30",
        "PROVIDER_REQUEST_DEADLINE": "60",
        "SYNC_MAX_WORKERS": "4",
        "SYNC_MAX_PER_HOST": "4",
        "MAIL_SMTP_HOST": "127.0.0.1",
        "MAIL_SMTP_PORT": str(smtp_port),
        "MAIL_SMTP_TLS": "starttls",
        "MAIL_SMTP_CA_FILE": str(ca),
        "MAIL_FROM": "ledenservice@vereniging.example",
        "PUBLIC_BASE_URL": "http://localhost",
    }


class Host:
    """One app host: a gunicorn master with two workers on its own port and instance folder."""

    def __init__(self, env: dict):
        self.env, self.port = env, free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [BIN / "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{self.port}",
             "--workers", "2", "wsgi:app"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True,
        )  # fmt: skip

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if requests.get(self.base + "/readyz", timeout=20).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise AssertionError(f"host on {self.port} not ready: {self.process.stderr.read1()!r}")

    def url(self, path: str) -> str:
        return self.base + path

    def job(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen([BIN / "flask", *args], cwd=ROOT, env=self.env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


class _Form(HTMLParser):
    """The fields of the form whose action ends with `action`."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.fields = action, False, {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = (attrs.get("action") or "").endswith(self.action)
        elif (
            tag == "input"
            and self.inside
            and attrs.get("name")
            and (attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs)
        ):
            self.fields[attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def form_fields(html: str, action: str) -> dict:
    parser = _Form(action)
    parser.feed(html)
    return parser.fields


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_two_hosts_share_sessions_limits_cache_and_jobs(
    app, make_user, make_company, make_link, ready_member, emulator, slow_emulator, smtp,  # noqa: F811
    shared_redis, tmp_path,
):  # fmt: skip
    server, certs = smtp
    company = make_company(trade_name="Schaalbaar Loodgieterswerk")
    member = make_user(company=company)
    slow_links = [make_link(Provider.KIYOH, f"2{n:06d}") for n in range(SLOW_LINKS)]
    inviter = ready_member(Provider.KLANTENVERTELLEN, "1000001")
    queue(inviter, INVITES)
    for n in range(MAILS):
        db.session.add(OutboxMessage(kind="test", to_address=f"lid{n}@bedrijf.example",
                                     subject=f"Bericht {n}", body="Hallo"))  # fmt: skip
    refresh_all()
    db.session.commit()
    links = len(slow_links) + 1
    fast = emulator.base_url
    emulators = f"klantenvertellen={fast},kiyoh={slow_emulator},feedback_company={fast}"
    envs = [
        host_env(app, tmp_path / name, prefix=shared_redis, emulators=emulators,
                 smtp_port=server.port, ca=certs.ca_file)
        for name in ("host-a", "host-b")
    ]  # fmt: skip
    a, b = hosts = [Host(env) for env in envs]
    try:
        for host in hosts:
            host.wait_ready()
        searches = _sessions_and_cache(a, b, member, company)
        _shared_rate_limit(a, b, searches)
        _jobs_exactly_once(a, b, server, emulator, links=links)
    finally:
        for host in hosts:
            host.stop()
    assert {p.name for p in (tmp_path / "host-a").iterdir()} <= {"ratelimit.db", "secret_key"}


def _sessions_and_cache(a: Host, b: Host, member, company) -> int:
    """Login on A is valid on B; a change on A is visible in B's ledenzoeker; logout on B
    ends the session on A. Returns the number of ledenzoeker searches made."""
    anonymous = requests.Session()
    detail = f"/ledenzoeker/{company.slug}"
    search = "/ledenzoeker/?q=schaalbaar"
    fragment = {"HX-Request": "true", "HX-Target": "directory-results"}
    assert company.trade_name in anonymous.get(b.url(detail)).text  # B caches the page
    assert company.trade_name in anonymous.get(b.url(search), headers=fragment).text

    browser = requests.Session()
    page = browser.get(a.url("/inloggen")).text
    login = browser.post(a.url("/inloggen"), allow_redirects=False, data={
        "email": member.email, "password": PASSWORD, "csrf_token": csrf(page)})  # fmt: skip
    assert login.status_code == 303
    on_b = browser.get(b.url("/mijn-profiel/"), allow_redirects=False)
    assert on_b.status_code == 200 and 'action="/uitloggen"' in on_b.text

    details = browser.get(a.url("/mijn-profiel/bedrijfsgegevens")).text
    fields = form_fields(details, "/mijn-profiel/zichtbaarheid")
    fields.update(directory_opt_out="y", confirm="y")
    left = browser.post(a.url("/mijn-profiel/zichtbaarheid"), data=fields, allow_redirects=False)
    assert left.status_code == 303, (fields, re.findall(r"<main.*", left.text, re.S)[0][:1500])
    assert anonymous.get(b.url(detail)).status_code == 404  # at once, no cache expiry waited
    assert company.trade_name not in anonymous.get(b.url(search), headers=fragment).text

    token = csrf(browser.get(b.url("/mijn-profiel/")).text)
    assert browser.post(b.url("/uitloggen"), data={"csrf_token": token},
                        allow_redirects=False).status_code == 303  # fmt: skip
    after = browser.get(a.url("/mijn-profiel/"), allow_redirects=False)
    assert after.status_code in (302, 303) and "/inloggen" in after.headers["Location"]
    return 2


def _shared_rate_limit(a: Host, b: Host, used: int) -> None:
    """The ledenzoeker search limit counts the requests to both hosts together."""
    statuses = Counter()
    for n in range(SEARCH_LIMIT + 4 - used):
        host = (a, b)[n % 2]
        statuses[
            (host.port, requests.get(host.url(f"/ledenzoeker/?q=x{n}"), timeout=30).status_code)
        ] += 1
    assert sum(count for (_port, status), count in statuses.items() if status == 200) == (
        SEARCH_LIMIT - used
    )
    assert {port for (port, status) in statuses if status == 429} == {a.port, b.port}


def _jobs_exactly_once(a: Host, b: Host, server: MailServer, emulator, *, links: int) -> None:  # noqa: F811
    """`flask outbox send`, `flask invitations send` and `flask reviews sync` on both hosts at
    the same moment: every mail, invitation and link handled once."""
    started = time.monotonic()
    jobs = [host.job(*args) for args in (("reviews", "sync"), ("outbox", "send"),
                                          ("invitations", "send")) for host in (a, b)]  # fmt: skip
    outputs = [job.communicate(timeout=240) for job in jobs]
    assert [job.returncode for job in jobs] == [0] * 6, outputs
    sync_outputs = [out for out, _err in outputs[:2]]
    seconds = time.monotonic() - started

    message_ids = [message["Message-ID"] for message in server.received]
    assert len(message_ids) == MAILS and len(set(message_ids)) == MAILS
    statuses = db.session.scalars(select(OutboxMessage.status)).all()
    assert Counter(statuses) == {OutboxStatus.SENT: MAILS}

    invited = [invite["invite_email"] for invite in emulator.invites()]
    assert len(invited) == INVITES and len(set(invited)) == INVITES
    assert Counter(db.session.scalars(select(Invitation.status))) == {InviteStatus.SENT: INVITES}

    attempts = db.session.execute(
        select(SyncAttempt.sync_run_id, func.count()).group_by(SyncAttempt.sync_run_id)
    ).all()
    assert len(attempts) == 1 and attempts[0][1] == links, (attempts, seconds)
    assert sum("skipped: another review sync is running" in out for out in sync_outputs) == 1
    db.session.rollback()
