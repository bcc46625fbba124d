"""The files of `flask backup`: age encryption, private file modes, retention.

An encrypted backup never has a plain copy in the backup folder: PostgreSQL's dump is streamed
from pg_dump straight into age, and SQLite's copy is made in a private temporary folder (the
service's PrivateTmp). The encrypted bytes are written to a hidden `.partial` name and renamed
when complete, so the folder only ever holds whole backups; a run that is killed leaves at most
an encrypted partial, which the next run sweeps away.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

from portal.core.db import utcnow

MANIFEST_SUFFIX = ".manifest.json"
AGE_SUFFIX = ".age"
PARTIAL_SUFFIX = ".partial"
PRIVATE = 0o600  # backups and their manifests: the portal user only
STALE_PARTIAL_SECONDS = 12 * 3600  # far beyond the backup service's 30-minute time limit
DEFAULT_FOLDER = "backups"  # under the instance folder: where `flask backup` writes by default
LAST_BACKUP = "last-backup.json"  # instance folder: where the last `flask backup` wrote


class BackupError(RuntimeError):
    """A dump or restore step failed."""


def manifest_path(output: Path) -> Path:
    return output.with_name(output.name + MANIFEST_SUFFIX)


def private(path: Path) -> None:
    """Create `path` empty, readable and writable by this user only (tools write into it)."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE))
    os.chmod(path, PRIVATE)  # an existing file keeps its mode through O_CREAT


def partial_name(output: Path) -> Path:
    return output.with_name(f".{output.name}.{os.urandom(4).hex()}{PARTIAL_SUFFIX}")


def _keys(recipients: tuple[str, ...]) -> list:
    import pyrage

    return [pyrage.x25519.Recipient.from_str(key) for key in recipients]


def encrypt(plain: Path, output: Path, recipients: tuple[str, ...]) -> None:
    """Encrypt the file `plain` into `output` (created private) for the age `recipients`."""
    import pyrage

    private(output)
    try:
        pyrage.encrypt_file(str(plain), str(output), _keys(recipients))
    except (pyrage.EncryptError, OSError) as exc:
        raise BackupError(f"encrypting the backup failed: {exc}") from exc


def encrypt_command(
    command: list[str], env: dict[str, str], output: Path, recipients: tuple[str, ...]
) -> None:
    """Run `command` and encrypt what it writes to stdout into `output`: no plain file at all."""
    import pyrage

    private(output)
    with tempfile.TemporaryFile() as errors, open(output, "wb") as sink:
        process = subprocess.Popen(  # noqa: S603 - fixed program, arguments are names
            command, env=env, stdout=subprocess.PIPE, stderr=errors
        )
        stdout: IO[bytes] = process.stdout  # type: ignore[assignment]
        try:
            pyrage.encrypt_io(stdout, sink, _keys(recipients))
        except (pyrage.EncryptError, OSError) as exc:
            process.kill()
            raise BackupError(f"encrypting the backup failed: {exc}") from exc
        finally:
            stdout.close()
            returncode = process.wait()
        if returncode != 0:
            errors.seek(0)
            message = errors.read().decode(errors="replace").strip()[-500:]
            raise BackupError(f"{command[0]} failed: {message}")


def decrypt(encrypted: Path, output: Path, identity_file: Path) -> None:
    """Decrypt an age backup with the private key(s) in `identity_file` (age-keygen's format)."""
    import pyrage

    keys = []
    for line in identity_file.read_text().splitlines():
        if line.strip().startswith("AGE-SECRET-KEY-"):
            try:
                keys.append(pyrage.x25519.Identity.from_str(line.strip()))
            except pyrage.IdentityError as exc:
                raise BackupError(f"{identity_file} holds an unreadable age key") from exc
    if not keys:
        raise BackupError(f"{identity_file} holds no age private key (AGE-SECRET-KEY-...)")
    try:
        pyrage.decrypt_file(str(encrypted), str(output), keys)
    except pyrage.DecryptError as exc:
        raise BackupError(f"{encrypted} does not decrypt with {identity_file}: {exc}") from exc


def sweep_partials(folder: Path) -> int:
    """Delete the hidden partial files a killed run left in `folder`; return how many."""
    swept = 0
    now = time.time()
    for path in folder.glob(f".*{PARTIAL_SUFFIX}"):
        try:
            if path.is_file() and now - path.stat().st_mtime > STALE_PARTIAL_SECONDS:
                path.unlink()
                swept += 1
        except OSError:
            continue
    return swept


def prune(folder: Path, days: int, *, keep: Path, problems: list[str] | None = None) -> list[Path]:
    """Delete the backups in `folder` made more than `days` days ago; return what went.

    Only files with a manifest are backups; `keep` (the one just written) always stays. What
    cannot be read or deleted is left and named in `problems`, and the rest still goes.
    """
    problems = [] if problems is None else problems
    now = utcnow()
    cutoff = now - timedelta(days=days)
    removed = []
    for manifest in sorted(folder.glob(f"*{MANIFEST_SUFFIX}")):
        copy = manifest.with_name(manifest.name[: -len(MANIFEST_SUFFIX)])
        if copy == keep:
            continue
        try:
            created = datetime.fromisoformat(json.loads(manifest.read_text())["created_at"])
        except OSError as exc:
            problems.append(f"{manifest.name}: unreadable ({exc.strerror})")
            continue
        except (ValueError, KeyError, TypeError):
            continue  # not a manifest of ours: leave it alone
        if created.tzinfo is None:
            created = created.replace(tzinfo=UTC)
        if created > now + timedelta(days=1):
            problems.append(f"{manifest.name}: dated in the future ({created.isoformat()})")
            continue
        if created >= cutoff:
            continue
        if copy.is_dir():
            problems.append(f"{copy.name}: a folder, not a backup file")
            continue
        try:
            copy.unlink(missing_ok=True)
            manifest.unlink()
        except OSError as exc:
            problems.append(f"{copy.name}: not deleted ({exc.strerror})")
            continue
        removed.append(copy)
    return removed


def backup_folder(instance_path: str | Path, configured: str = "") -> Path:
    """The backup folder: BACKUP_FOLDER (a relative one under the instance folder), else
    instance/backups."""
    return Path(instance_path) / (configured or DEFAULT_FOLDER)


def newest_backup(folder: Path, also: Path | None = None) -> datetime | None:
    """When the newest backup in `folder`, or the backup file `also`, was made (its manifest's
    `created_at`), or None.

    Only a manifest next to its backup file counts; unreadable or foreign manifests are skipped.
    """
    manifests = list(folder.glob(f"*{MANIFEST_SUFFIX}")) if folder.is_dir() else []
    if also is not None:
        manifests.append(manifest_path(also))
    newest = None
    for manifest in manifests:
        copy = manifest.with_name(manifest.name[: -len(MANIFEST_SUFFIX)])
        try:
            created = datetime.fromisoformat(json.loads(manifest.read_text())["created_at"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if not copy.is_file():
            continue
        if created.tzinfo is None:
            created = created.replace(tzinfo=UTC)
        newest = created if newest is None else max(newest, created)
    return newest


def record_last_backup(instance_path: str | Path, output: Path) -> None:
    """Note where this host's last successful `flask backup` wrote (`--output` may name any
    folder), for `flask doctor`; written whole (a temporary file renamed)."""
    record = Path(instance_path) / LAST_BACKUP
    record.parent.mkdir(parents=True, exist_ok=True)
    partial = record.with_name(f".{record.name}.{os.urandom(4).hex()}{PARTIAL_SUFFIX}")
    private(partial)
    partial.write_text(json.dumps({"backup": str(output.resolve())}))
    partial.replace(record)


def last_backup(instance_path: str | Path) -> Path | None:
    """The backup file `record_last_backup` noted (None: none noted, or unreadable)."""
    try:
        found = json.loads((Path(instance_path) / LAST_BACKUP).read_text())["backup"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return Path(found) if isinstance(found, str) else None
