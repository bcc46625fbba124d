"""The rules a production configuration must meet: `create_app` refuses to start on a fatal
one, `flask doctor` explains them all (portal/ops/doctor.py)."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

WEAK_SECRETS = {"", "dev", "change-me", "secret", "changeme"}


@dataclass(frozen=True)
class Problem:
    """One unsafe or broken production setting, explained in Dutch and in English."""

    setting: str
    nl: str
    en: str
    fatal: bool = True  # False: a warning that `flask doctor` prints without failing


def deploy_problems(config: Mapping) -> list[Problem]:
    """The reasons a production configuration is unsafe (empty when fine)."""
    problems = [
        Problem(
            message.split()[0].rstrip(":"),
            f"Deze instelling is onleesbaar en staat daarom op de standaardwaarde: {message}",
            message,
        )
        for message in config.get("CONFIG_ERRORS", ())
    ]
    if config.get("DEBUG"):
        problems.append(Problem("DEBUG", "DEBUG staat aan.", "DEBUG is on"))
    if config.get("PORTAL_ENV") == "production" and config.get("RATELIMIT_ENABLED") is False:
        problems.append(Problem(
            "RATELIMIT_ENABLED",
            "RATELIMIT_ENABLED staat uit: zonder snelheidsgrenzen is inloggen te raden.",
            "rate limiting is off",
            fatal=False,  # benchmarks and tests run production-like apps without limits
        ))  # fmt: skip
    if config.get("SECRET_KEY", "") in WEAK_SECRETS or len(config.get("SECRET_KEY", "")) < 32:
        problems.append(Problem(
            "SECRET_KEY",
            "SECRET_KEY is zwak: kies een willekeurige waarde van minstens 32 tekens.",
            "SECRET_KEY is weak",
        ))  # fmt: skip
    if not config.get("TRUSTED_HOSTS"):
        problems.append(Problem(
            "TRUSTED_HOSTS",
            "TRUSTED_HOSTS is leeg: noem de hostnaam van het portaal.",
            "TRUSTED_HOSTS is not set",
        ))  # fmt: skip
    if not config.get("SESSION_COOKIE_SECURE") or not config.get("REMEMBER_COOKIE_SECURE"):
        problems.append(Problem(
            "SESSION_COOKIE_SECURE", "Cookies zijn niet Secure.", "cookies are not Secure"
        ))  # fmt: skip
    if not config.get("MAX_CONTENT_LENGTH"):
        problems.append(Problem(
            "MAX_CONTENT_LENGTH", "Er is geen grens aan de grootte van verzoeken.",
            "no request size limit",
        ))  # fmt: skip
    if not config.get("SECRETS_KEYS"):
        problems.append(Problem(
            "SECRETS_KEYS",
            "SECRETS_KEYS is leeg: zonder sleutel zijn koppelgegevens en TOTP-geheimen onleesbaar.",
            "SECRETS_KEYS is not set",
        ))  # fmt: skip
    if config.get("MAIL_SMTP_HOST") and config.get("MAIL_SMTP_TLS", "starttls") == "none":
        problems.append(Problem(
            "MAIL_SMTP_TLS",
            "MAIL_SMTP_TLS=none verstuurt e-mail (en herstellinks) onversleuteld.",
            "MAIL_SMTP_TLS=none sends mail (and reset links) unencrypted",
        ))  # fmt: skip
    production = config.get("PORTAL_ENV") == "production"
    for name in config.get("ASSOCIATION_MISSING", ()) if production else ():
        problems.append(Problem(
            name,
            f"{name} is leeg: de verwerkersovereenkomst, privacyverklaring en e-mails noemen "
            "de juridische gegevens van de vereniging.",
            f"{name} is not set (the association's legal identity)",
        ))  # fmt: skip
    if production and "SUBPROCESSORS_SET" in config and not config["SUBPROCESSORS_SET"]:
        problems.append(Problem(
            "SUBPROCESSORS",
            "SUBPROCESSORS is leeg: noem hosting, e-maildienst en back-updienst "
            "(naam|dienst|locatie;...).",
            "SUBPROCESSORS is not set",
        ))  # fmt: skip
    if config.get("SENTRY_DSN") and not config.get("SENTRY_SUBPROCESSOR"):
        # Fatal in production; elsewhere a warning: nothing is sent meanwhile (ops/tracking.py).
        problems.append(Problem(
            "SENTRY_SUBPROCESSOR",
            "SENTRY_SUBPROCESSOR is leeg terwijl SENTRY_DSN is gezet: noem de "
            "foutmeldingsdienst (naam|dienst|locatie) voor de bijlage subverwerkers en de "
            "privacyverklaring, of haal SENTRY_DSN weg. Zonder die naam is onbekend waar de "
            "foutmeldingen heen gaan; tot dan worden er geen verstuurd.",
            "SENTRY_DSN is set but SENTRY_SUBPROCESSOR is empty: name the error-tracking "
            "service (name|service|location) for the sub-processor annex and the privacy "
            "statement, or unset SENTRY_DSN (until then no error reports are sent)",
            fatal=production,
        ))  # fmt: skip
    if config.get("OIDC_ISSUER") and not str(config["OIDC_ISSUER"]).startswith("https://"):
        problems.append(Problem(
            "OIDC_ISSUER",
            "OIDC_ISSUER moet https gebruiken.",
            "OIDC_ISSUER must use https",
        ))  # fmt: skip
    if production and not config.get("BACKUP_AGE_RECIPIENTS"):
        problems.append(Problem(
            "BACKUP_AGE_RECIPIENTS",
            "BACKUP_AGE_RECIPIENTS is leeg: back-ups met persoonsgegevens worden onversleuteld "
            "weggeschreven.",
            "BACKUP_AGE_RECIPIENTS is not set: backups are written unencrypted",
            fatal=False,  # the host may encrypt its backup disk itself
        ))  # fmt: skip
    if str(config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("sqlite"):
        problems.append(Problem(
            "DATABASE_URL",
            "Productie heeft PostgreSQL nodig: zet DATABASE_URL.",
            "production needs PostgreSQL (DATABASE_URL)",
        ))  # fmt: skip
    return problems


def check_deploy(config: Mapping) -> list[str]:
    """Return the reasons a production configuration is unsafe (empty when fine)."""
    return [problem.en for problem in deploy_problems(config) if problem.fatal]


def cli_runs_doctor(argv: list[str] | None = None) -> bool:
    """Whether this process is `flask doctor`, which must load the very configuration the app
    refuses to start with, in order to explain it."""
    argv = sys.argv if argv is None else argv
    if not argv or Path(argv[0]).name != "flask":
        return False
    args, with_value = iter(argv[1:]), {"--app", "-A", "--env-file", "-e"}
    for arg in args:
        if arg in with_value:
            next(args, None)
        elif not arg.startswith("-"):
            return arg == "doctor"
    return False
