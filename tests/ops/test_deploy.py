"""deploy/: a systemd timer per README crontab job firing exactly when cron would, the nginx site's
proxy headers and static-file rule matching the app, and an env example that passes the checks."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import pyrage
import pytest

from portal.config import deploy_problems, load_config
from portal.core.crypto import new_key_entry
from portal.core.static_files import hashed_name
from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
spec = importlib.util.spec_from_file_location("generate_units", DEPLOY / "systemd" / "generate.py")
generate = importlib.util.module_from_spec(spec)
spec.loader.exec_module(generate)


def test_every_crontab_job_has_an_up_to_date_service_and_timer():
    jobs = generate.crontab_jobs((ROOT / "README.md").read_text())
    assert len(jobs) >= 8
    wanted = generate.units()
    assert len(wanted) == 2 * len(jobs)
    on_disk = {p.name: p.read_text() for p in (DEPLOY / "systemd").glob("ledenportaal-*.*")}
    assert on_disk == wanted, "run: python deploy/systemd/generate.py"
    for job in jobs:
        service = wanted[generate.unit_name(job["command"]) + ".service"]
        assert f"ExecStart=/srv/ledenportaal/.venv/bin/flask {job['command']}\n" in service
        assert "EnvironmentFile=/etc/ledenportaal/env" in service
        assert "PROMETHEUS_MULTIPROC_DIR" not in service  # jobs never write metric files


def _cron_matches(job: dict, moment: datetime) -> bool:
    def field(value: str, actual: int) -> bool:
        if value == "*":
            return True
        if value.startswith("*/"):
            return actual % int(value[2:]) == 0
        return actual in {int(part) for part in value.split(",")}

    weekday = (moment.weekday() + 1) % 7  # cron: 0 = Sunday
    return (field(job["min"], moment.minute) and field(job["hour"], moment.hour)
            and field(job["dow"], weekday))  # fmt: skip


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="needs systemd-analyze")
def test_timers_fire_exactly_when_cron_would():
    base = datetime(2026, 12, 6, tzinfo=UTC)  # a Sunday
    for job in generate.crontab_jobs((ROOT / "README.md").read_text()):
        expected, moment = [], base
        while len(expected) < 12:
            moment += timedelta(minutes=1)
            if _cron_matches(job, moment):
                expected.append(moment.strftime("%Y-%m-%d %H:%M:%S"))
        result = subprocess.run(
            ["systemd-analyze", "calendar", "--iterations=12",
             f"--base-time={base:%Y-%m-%d %H:%M:%S} UTC", generate.on_calendar(job) + " UTC"],
            capture_output=True, text=True, check=True, env={"TZ": "UTC", "PATH": "/usr/bin:/bin"},
        )  # fmt: skip
        got = re.findall(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC", result.stdout)
        assert got == expected, job["command"]


def test_nginx_sets_exactly_the_proxy_headers_of_one_trusted_proxy():
    proxy = (DEPLOY / "nginx" / "ledenportaal-proxy.conf").read_text()
    for header, value in (("X-Forwarded-For", "$remote_addr"), ("X-Forwarded-Proto", "$scheme"),
                          ("X-Forwarded-Host", "$host"), ("Host", "$host")):  # fmt: skip
        assert re.findall(rf"proxy_set_header {header} (\S+);", proxy) == [value]
    env = (DEPLOY / "ledenportaal.env.example").read_text()
    assert "\nTRUSTED_PROXIES=1\n" in env
    site = (DEPLOY / "nginx" / "ledenportaal.conf").read_text()
    assert site.count("include /etc/nginx/snippets/ledenportaal-proxy.conf;") == 2
    assert 'Strict-Transport-Security "max-age=31536000; includeSubDomains" always' in site
    assert "gzip on;" in site and "listen 443 ssl http2;" in site and "return 301 https" in site


def test_nginx_serves_the_apps_hashed_static_names_from_disk(app):
    site = (DEPLOY / "nginx" / "ledenportaal.conf").read_text()
    pattern = re.search(r'location ~ "(\^/static/[^"]+)"', site).group(1).replace("(?<", "(?P<")
    alias = re.search(r"alias /srv/ledenportaal/static/(\S+);", site).group(1)
    assert alias == "$stem$ext"
    files = [  # files only: vendored packages sit in directories such as vendor/leaflet-1.9.4
        p.relative_to(ROOT / "static").as_posix()
        for p in (ROOT / "static").rglob("*.*")
        if p.is_file()
    ]
    for name in files:
        if name.endswith(".LICENSE"):
            continue
        url = "/static/" + hashed_name(app, name)
        match = re.match(pattern, url)
        assert match, url
        assert match["stem"] + match["ext"] == name


def test_the_env_example_passes_the_startup_checks_once_its_secrets_are_filled(tmp_path):
    env = {}
    for line in (DEPLOY / "ledenportaal.env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key] = value
    filled_in = {"SECRET_KEY", "SECRETS_KEYS", "METRICS_TOKEN", "BACKUP_AGE_RECIPIENTS"}
    assert filled_in <= {k for k, v in env.items() if not v}
    env.update(SECRET_KEY="s" * 48, SECRETS_KEYS=new_key_entry("k1"), METRICS_TOKEN="m" * 32)
    env.update(BACKUP_AGE_RECIPIENTS=str(pyrage.x25519.Identity.generate().to_public()))
    config = load_config(str(tmp_path), env)
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
    assert deploy_problems(config) == []


def test_gunicorn_service_gives_only_itself_the_metrics_directory():
    unit = (DEPLOY / "systemd" / "ledenportaal.service").read_text()
    assert "Environment=PROMETHEUS_MULTIPROC_DIR=/run/ledenportaal/prometheus" in unit
    assert "RuntimeDirectory=ledenportaal" in unit
    assert "--bind 127.0.0.1:8000" in unit and "wsgi:app" in unit
    assert "PROMETHEUS_MULTIPROC_DIR" not in (DEPLOY / "ledenportaal.env.example").read_text()


def test_static_files_have_hashed_immutable_names(client, app):
    from flask import url_for

    with app.test_request_context():
        url = url_for("static", filename="portal.css")
    assert re.fullmatch(r"/static/portal\.[0-9a-f]{12}\.css", url)
    hashed = client.get(url)
    assert hashed.status_code == 200
    assert hashed.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert hashed.data == client.get("/static/portal.css").data
    for plain in ("/static/portal.css", "/static/portal.0123456789ab.css"):
        response = client.get(plain)
        assert response.status_code == 200
        assert "immutable" not in response.headers.get("Cache-Control", "")
    assert client.get("/static/weg.0123456789ab.css").status_code == 404
    assert url in client.get("/privacy").text


@pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed")
def test_nginx_accepts_the_site(tmp_path):
    from tests.mailserver import Certificates

    cert, key = Certificates(tmp_path).good
    site = (DEPLOY / "nginx" / "ledenportaal.conf").read_text()
    site = site.replace("/etc/letsencrypt/live/leden.example.org/fullchain.pem", str(cert))
    site = site.replace("/etc/letsencrypt/live/leden.example.org/privkey.pem", str(key))
    site = site.replace("/etc/nginx/snippets/ledenportaal-proxy.conf",
                        str(DEPLOY / "nginx" / "ledenportaal-proxy.conf"))  # fmt: skip
    site = site.replace("/var/log/nginx/ledenportaal/", f"{tmp_path}/")
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ access_log off; include {tmp_path}/site.conf; }}\n"
    )
    result = subprocess.run(["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    proxy = (DEPLOY / "nginx" / "ledenportaal-proxy.conf").read_text()
    assert "proxy_hide_header Strict-Transport-Security;" in proxy  # nginx adds it once itself
