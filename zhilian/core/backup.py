"""Backup and restore of the database and the stored files (SEC-12).

A backup is one ``.tar.gz``:

- ``manifest.json``: format, time, platform version, database vendor, the applied
  migrations, row counts per model, and the SHA-256 of every member;
- ``data.jsonl``: every row as Django's JSON Lines serialization with natural foreign
  keys, so a backup taken on SQLite restores into PostgreSQL and back (content types,
  permissions and role groups are recreated by ``migrate`` and referenced by name);
- ``files/…``: every file a ``FileField`` refers to, read through the storage backend
  (local disk or S3 alike).

Restore checks the archive first (checksums, the migrations of this installation), then
loads all rows in one transaction: a damaged archive or a failure half-way leaves the
database as it was. Into a database holding data it only goes with ``replace=True``,
which empties the tables inside the same transaction, opening the audit log's
maintenance window for it (core.appendonly). Sessions are not backed up.
"""

import datetime
import hashlib
import io
import json
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = "zhilian-backup/1"
# Rebuilt by migrate (content types, permissions, role groups) or not worth keeping (sessions).
EXCLUDED = {"contenttypes.contenttype", "auth.permission", "auth.group", "sessions.session",
            "admin.logentry", "accounts.signinattempt", "accounts.usersession",
            # Table versions describe this database's history, not the backup's (core.versions).
            "core.tableversion"}


class BackupError(Exception):
    pass


@dataclass
class Manifest:
    created_at: str
    vendor: str
    migrations: list
    counts: dict
    files: dict = field(default_factory=dict)  # storage name -> sha256
    data_sha256: str = ""
    format: str = FORMAT

    def as_json(self) -> bytes:
        return json.dumps(self.__dict__, ensure_ascii=False, indent=1, sort_keys=True).encode()


class ExactJSONEncoder(DjangoJSONEncoder):
    """Django's encoder cuts times to milliseconds; a restore must give back the same instant."""

    def default(self, o):
        if isinstance(o, datetime.datetime):
            value = o.isoformat()
            return value[:-6] + "Z" if value.endswith("+00:00") else value
        if isinstance(o, datetime.time):
            return o.isoformat()
        return super().default(o)


def backed_up_models():
    """Every concrete model whose rows belong in a backup, parents before children."""
    chosen = [m for m in apps.get_models(include_auto_created=False)
              if m._meta.label_lower not in EXCLUDED and not m._meta.proxy and m._meta.managed]
    return serializers.sort_dependencies([(None, chosen)], allow_cycles=True)


def applied_migrations(using=DEFAULT_DB_ALIAS) -> list:
    return sorted([list(key) for key in MigrationRecorder(connections[using]).applied_migrations()])


def _file_fields(model):
    from django.db.models import FileField

    return [f for f in model._meta.concrete_fields if isinstance(f, FileField)]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def create(path: Path, *, using=DEFAULT_DB_ALIAS, stdout=None) -> Manifest:
    """Write a backup of the whole platform to ``path`` (one consistent snapshot of the database)."""
    models = backed_up_models()
    connection = connections[using]
    outermost = not connection.in_atomic_block
    data = tempfile.SpooledTemporaryFile(max_size=64 * 1024 * 1024)
    text = io.TextIOWrapper(data, encoding="utf-8", newline="\n", write_through=True)
    with transaction.atomic(using=using):  # every table read in one snapshot
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        counts, file_names = {}, set()
        for model in models:
            queryset = model._base_manager.using(using).order_by("pk")
            counts[model._meta.label_lower] = queryset.count()
            serializers.serialize("jsonl", queryset.iterator(chunk_size=2000), stream=text,
                                  use_natural_foreign_keys=True, cls=ExactJSONEncoder)
            for f in _file_fields(model):
                file_names.update(n for n in queryset.values_list(f.attname, flat=True) if n)
        manifest = Manifest(created_at=timezone.now().isoformat(), vendor=connection.vendor,
                            migrations=applied_migrations(using), counts=counts)
    text.flush()
    text.detach()
    size = data.seek(0, io.SEEK_END)
    data.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: data.read(1024 * 1024), b""):
        digest.update(chunk)
    manifest.data_sha256 = digest.hexdigest()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".partial")
    with tarfile.open(tmp, "w:gz", compresslevel=6) as tar:
        _add(tar, "data.jsonl", data, size=size)
        for name in sorted(file_names):
            if not default_storage.exists(name):
                if stdout:
                    stdout.write(f"  missing file, not in the backup: {name}")
                continue
            with default_storage.open(name, "rb") as fh:
                content = fh.read()
            manifest.files[name] = _sha256(content)
            _add(tar, f"files/{name}", io.BytesIO(content), size=len(content))
        body = manifest.as_json()
        _add(tar, "manifest.json", io.BytesIO(body), size=len(body))
    tmp.replace(path)
    path.chmod(0o600)  # password hashes and second-factor secrets are inside
    return manifest


def _add(tar, name, fileobj, *, size):
    fileobj.seek(0)
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(timezone.now().timestamp())
    info.mode = 0o600
    tar.addfile(info, fileobj)


def read_manifest(tar) -> Manifest:
    try:
        raw = json.loads(tar.extractfile("manifest.json").read())
    except (KeyError, AttributeError, ValueError) as exc:
        raise BackupError("Not a Zhilian backup: manifest.json is missing or unreadable.") from exc
    if raw.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {raw.get('format')!r}.")
    return Manifest(**raw)


def verify(path: Path, *, using=DEFAULT_DB_ALIAS) -> Manifest:
    """Check an archive without touching the database: format, checksums, migrations."""
    try:
        tar = tarfile.open(path, "r:gz")
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"Cannot read {path}: {exc}") from exc
    with tar:
        manifest = read_manifest(tar)
        member = tar.extractfile("data.jsonl")
        if member is None or _sha256(member.read()) != manifest.data_sha256:
            raise BackupError("The database part of the backup is damaged (checksum mismatch).")
        for name, digest in manifest.files.items():
            member = tar.extractfile(f"files/{name}")
            if member is None or _sha256(member.read()) != digest:
                raise BackupError(f"The stored file {name} is damaged or missing in the backup.")
    here = applied_migrations(using)
    if [m for m in manifest.migrations if m not in here]:
        missing = [".".join(m) for m in manifest.migrations if m not in here][:5]
        raise BackupError("The backup comes from a newer installation; upgrade first. Migrations missing here: "
                          + ", ".join(missing))
    return manifest


def has_data(using=DEFAULT_DB_ALIAS) -> bool:
    from zhilian.accounts.models import User

    return User._base_manager.using(using).exists()


def restore(path: Path, *, using=DEFAULT_DB_ALIAS, replace=False, stdout=None) -> Manifest:
    """Load a backup made by :func:`create`: checked first, then the files, then every row in
    one transaction (a failure leaves the database as it was)."""
    from . import appendonly, audit

    manifest = verify(path, using=using)
    if has_data(using) and not replace:
        raise BackupError("The database already holds data. Restore into an empty database, or pass --replace "
                          "to replace everything with the backup.")
    with tempfile.TemporaryDirectory(prefix="zhilian-restore-") as tmpdir, tarfile.open(path, "r:gz") as tar:
        tar.extractall(tmpdir, filter="data")  # refuses absolute paths, ../ and links out of the directory
        # Files first: until the rows commit nothing refers to them, so a failure below leaves no dangling row.
        for name in manifest.files:
            if default_storage.exists(name):
                default_storage.delete(name)
            with (Path(tmpdir) / "files" / name).open("rb") as fh:
                saved = default_storage.save(name, File(fh))
            if saved != name:
                raise BackupError(f"The storage renamed {name} to {saved}.")
        with audit.suspended(), transaction.atomic(using=using):
            signed_in = _session_keys(using)
            with appendonly.maintenance("restore", using=using):
                _empty_tables(using)
            call_command("loaddata", str(Path(tmpdir) / "data.jsonl"), database=using, verbosity=0)
            _check_counts(manifest, using)
    from . import versions

    versions.bump_all(using)
    _end_sessions(signed_in)
    audit.write(action="security", object_repr=path.name,
                message=f"Restored the backup of {manifest.created_at} ({sum(manifest.counts.values())} rows, "
                        f"{len(manifest.files)} files)")
    return manifest


def _empty_tables(using):
    """Delete the rows of every table but those migrate rebuilds (content types, permissions, groups)."""
    connection = connections[using]
    kept = {"contenttypes.contenttype", "auth.permission", "auth.group", "auth.group_permissions"}
    models = [m for m in apps.get_models(include_auto_created=True)
              if m._meta.label_lower not in kept and not m._meta.proxy and m._meta.managed]
    tables = list(dict.fromkeys(m._meta.db_table for m in models))
    existing = set(connection.introspection.table_names())
    tables = [t for t in tables if t in existing]
    # DELETE, not TRUNCATE: foreign keys are checked at commit (Django creates them deferred),
    # and TRUNCATE is refused in a transaction that already has pending checks.
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")  # nosec B608 - our own table names


def _session_keys(using) -> list[str]:
    from django.contrib.sessions.models import Session

    return list(Session.objects.using(using).values_list("session_key", flat=True))


def _end_sessions(keys) -> None:
    """End the sessions the restore deleted in every session store, not only in the database
    (sessions kept in Redis too would go on naming accounts of the replaced data)."""
    from importlib import import_module

    from django.conf import settings

    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in keys:
        store(session_key=key).delete()


def _check_counts(manifest, using):
    for label, expected in manifest.counts.items():
        model = apps.get_model(label)
        found = model._base_manager.using(using).count()
        if found != expected:
            raise BackupError(f"{label}: {found} rows after the restore, the backup holds {expected}.")


def default_name() -> str:
    return f"zhilian-backup-{datetime.datetime.now():%Y%m%d-%H%M%S}.tar.gz"


