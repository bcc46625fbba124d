"""Logs outside the database are kept no longer than the privacy statement says (issue 15).

The app writes no log files itself: gunicorn's access log and the app's log go to stdout, which
systemd puts in the journal namespace "ledenportaal" (every unit), and nginx writes the site's
logs under /var/log/nginx/ledenportaal/. journald and logrotate delete them; this test checks
that their settings give at most `LOG_DAYS` and that the statement states that period.
"""

from __future__ import annotations

import re
from pathlib import Path

from portal.privacy.purges import LOG_DAYS

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def _days(value: str) -> int:
    match = re.fullmatch(r"(\d+)\s*(day|d)", value.strip())
    assert match, value
    return int(match.group(1))


def _settings(text: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in text.splitlines() if "=" in line and line[0] != "#")
    return {key.strip(): value.strip() for key, value in pairs}


def test_journal_keeps_entries_at_most_the_stated_days():
    conf = _settings((DEPLOY / "journald" / "journald@ledenportaal.conf").read_text())
    # Files whose newest entry is older than MaxRetentionSec go; a file spans MaxFileSec.
    oldest = _days(conf["MaxRetentionSec"]) + _days(conf["MaxFileSec"])
    assert oldest <= LOG_DAYS
    assert conf["Storage"] == "persistent"


def test_every_unit_logs_into_the_retained_namespace():
    units = sorted((DEPLOY / "systemd").glob("*.service"))
    assert len(units) >= 2
    for unit in units:
        assert "LogNamespace=ledenportaal\n" in unit.read_text(), unit.name


def test_nginx_logs_are_rotated_away_within_the_stated_days():
    rule = (DEPLOY / "logrotate" / "ledenportaal").read_text()
    site = (DEPLOY / "nginx" / "ledenportaal.conf").read_text()
    paths = set(re.findall(r"(?:access|error)_log (/var/log/\S+?)[ ;]", site))
    assert paths and all(p.startswith("/var/log/nginx/ledenportaal/") for p in paths)
    assert "/var/log/nginx/ledenportaal/*.log {" in rule  # not Debian's /var/log/nginx/*.log
    assert re.search(r"^\s*daily$", rule, re.M)
    rotate = int(re.search(r"^\s*rotate (\d+)$", rule, re.M).group(1))
    maxage = int(re.search(r"^\s*maxage (\d+)$", rule, re.M).group(1))
    assert rotate + 1 <= LOG_DAYS and maxage + 1 <= LOG_DAYS  # + the current day's file


def test_nginx_access_log_masks_emailed_tokens_like_the_app():
    site = (DEPLOY / "nginx" / "ledenportaal.conf").read_text()
    from portal.core.accesslog import TOKEN_PATH

    for route in TOKEN_PATH.pattern.split("(", 1)[1].split(")", 1)[0].split("|"):
        assert route in site
    assert "access_log /var/log/nginx/ledenportaal/access.log ledenportaal;" in site
    assert "$http_referer" not in site


def test_the_app_writes_no_log_files_of_its_own():
    for path in (ROOT / "portal").rglob("*.py"):
        text = path.read_text()
        assert "FileHandler" not in text and "RotatingFileHandler" not in text, path
    service = (DEPLOY / "systemd" / "ledenportaal.service").read_text()
    assert "--access-logfile -" in service


def test_the_statement_states_the_log_period(client):
    page = client.get("/privacy").text
    assert f"{LOG_DAYS} dagen" in page and "logbestand" in page.lower()
