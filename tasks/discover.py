"""Discover: list the source, hash every document, set aside what the ledger already knows,
and plan upload batches."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from tasks.ledger import Ledger, LedgerEntry
from tasks.models import ConnectorSource, LocalSource, S3Source, Source, SourceDocument
from tasks.s3 import s3_client

CHUNK = 1024 * 1024


@dataclass
class Discovery:
    seen: list[SourceDocument]
    new: list[SourceDocument] = field(default_factory=list)
    # earlier runs already settled these: completed, failed or rejected
    settled: list[tuple[SourceDocument, LedgerEntry]] = field(default_factory=list)
    # submitted by an earlier run that stopped before their outcome was known
    pending: list[tuple[SourceDocument, LedgerEntry]] = field(default_factory=list)
    # same bytes as another document of this source: sent once, under the first key
    duplicates: list[tuple[SourceDocument, str]] = field(default_factory=list)


def classify(seen: list[SourceDocument], ledger: Ledger) -> Discovery:
    out = Discovery(seen=seen)
    first_by_hash: dict[str, SourceDocument] = {}
    for doc in seen:
        if (first := first_by_hash.get(doc.sha256)) is not None:
            out.duplicates.append((doc, f"duplicate: same content as {first.key}"))
            continue
        first_by_hash[doc.sha256] = doc
        entry = ledger.get(doc.sha256)
        if entry is None or entry.state == "lost":
            out.new.append(doc)
        elif entry.state == "submitted":
            out.pending.append((doc, entry))
        else:
            out.settled.append((doc, entry))
    return out


def plan_batches(
    docs: list[SourceDocument], batch_size: int, max_batch_bytes: int = 64 * 1024 * 1024
) -> list[list[SourceDocument]]:
    """Group documents into multi-file upload requests.

    A batch never holds two files of the same name (the upload answer names jobs by filename,
    so a clash would make the mapping ambiguous) and stays under `max_batch_bytes` unless a
    single file is larger on its own.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    batches: list[list[SourceDocument]] = []
    for doc in docs:
        target = next(
            (
                b
                for b in batches
                if len(b) < batch_size
                and all(d.filename != doc.filename for d in b)
                and sum(d.size for d in b) + doc.size <= max_batch_bytes
            ),
            None,
        )
        if target is None:
            batches.append([doc])
        else:
            target.append(doc)
    return batches


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _list_local(source: LocalSource) -> Iterator[SourceDocument]:
    root = Path(source.path).resolve()
    if not root.is_dir():
        raise FileNotFoundError(f"Source folder {root} does not exist")
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path.name.startswith("."):
            continue
        yield SourceDocument(
            key=path.relative_to(root).as_posix(),
            filename=path.name,
            size=path.stat().st_size,
            sha256=_hash_file(path),
            local_path=str(path),
        )


@dataclass(frozen=True)
class S3Object:
    key: str
    etag: str
    size: int


def _s3_objects(s3: Any, bucket: str, prefix: str) -> Iterator[S3Object]:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            if not obj["Key"].endswith("/"):
                yield S3Object(obj["Key"], str(obj.get("ETag", "")).strip('"'), int(obj["Size"]))


def _s3_keys(s3: Any, bucket: str, prefix: str) -> Iterator[str]:
    return (o.key for o in _s3_objects(s3, bucket, prefix))


def _stage_s3(s3: Any, bucket: str, obj: S3Object, staging: Path) -> SourceDocument:
    """Download once to a staging file, hashing on the way, so submit reads it from disk."""
    key = obj.key
    target = staging / hashlib.sha1(key.encode()).hexdigest()[:16] / PurePosixPath(key).name
    target.parent.mkdir(parents=True, exist_ok=True)
    s3.download_file(bucket, key, str(target))
    return SourceDocument(
        key=key,
        filename=target.name,
        size=target.stat().st_size,
        sha256=_hash_file(target),
        local_path=str(target),
        etag=obj.etag or None,
    )


def _list_s3(s3: Any, source: S3Source, ledger: Ledger, staging: Path) -> list[SourceDocument]:
    """Objects whose key, ETag and size match a ledger entry are known without their bytes;
    downloading a whole bucket every night just to hash it again is what this avoids."""
    known = ledger.unchanged_objects()
    docs = []
    for obj in _s3_objects(s3, source.bucket, source.prefix):
        entry = known.get((obj.key, obj.etag, obj.size))
        if entry is None:
            docs.append(_stage_s3(s3, source.bucket, obj, staging))
            continue
        docs.append(
            SourceDocument(
                key=obj.key,
                filename=PurePosixPath(obj.key).name,
                size=obj.size,
                sha256=entry.sha256,
                etag=obj.etag,
            )
        )
    return docs


def _hash_s3(s3: Any, bucket: str, key: str) -> SourceDocument:
    body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    digest, size = hashlib.sha256(), 0
    for chunk in body.iter_chunks(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return SourceDocument(
        key=key,
        filename=PurePosixPath(key).name,
        size=size,
        sha256=digest.hexdigest(),
        connector_key=key,
    )


def list_source(source: Source, staging: Path, ledger: Ledger) -> list[SourceDocument]:
    if isinstance(source, LocalSource):
        return list(_list_local(source))
    s3 = s3_client(source.endpoint_url)
    if isinstance(source, S3Source):
        return _list_s3(s3, source, ledger, staging)
    assert isinstance(source, ConnectorSource)
    keys = list(source.object_keys)
    if source.prefix is not None:
        keys += [k for k in _s3_keys(s3, source.bucket, source.prefix) if k not in keys]
    # FlexOrch reads connector documents itself; we only hash them to know what is new.
    return [_hash_s3(s3, source.bucket, k) for k in keys]


@task(cache_policy=NO_CACHE)
def discover(source: Source, ledger: Ledger, staging: Path) -> Discovery:
    """`staging` holds S3 documents between discover and submit; the flow owns and removes it."""
    logger = get_run_logger()
    found = classify(list_source(source, staging, ledger), ledger)
    logger.info(
        "Discovered %d document(s): %d new, %d settled by earlier runs, %d awaiting an earlier "
        "job, %d duplicate(s) within the source",
        len(found.seen),
        len(found.new),
        len(found.settled),
        len(found.pending),
        len(found.duplicates),
    )
    return found
