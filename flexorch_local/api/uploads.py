"""Streaming multipart parsing for uploads, with the plan's per-file size limit.

FastAPI's own form handling spools every file completely before the route runs; here each
part is counted while it arrives and a file over the limit stops being kept at that moment."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO
from urllib.parse import parse_qs

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from flexorch_local.errors import bad_request
from flexorch_local.services.documents import IncomingFile, close_all, new_spool

MAX_FIELD_BYTES = 1024 * 1024


@dataclass
class _Part:
    name: str = ""
    filename: str | None = None
    chunks: list[bytes] = field(default_factory=list)  # form fields (small, capped)
    spool: IO[bytes] | None = None  # file parts: spilled to disk past SPOOL_BYTES
    size: int = 0
    too_large: bool = False


@dataclass
class ParsedUpload:
    files: list[IncomingFile] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)

    def close(self) -> None:
        close_all(self.files)


async def _urlencoded(request: Request) -> ParsedUpload:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FIELD_BYTES:
            raise bad_request("form fields too large", "VALIDATION_ERROR")
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return ParsedUpload(fields={k: v[-1] for k, v in fields.items()})


async def parse_upload(request: Request, max_file_bytes: int) -> ParsedUpload:
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    if content_type == b"application/x-www-form-urlencoded":
        # The SDK's process_from_s3 posts its `source` field as a plain form, without files.
        return await _urlencoded(request)
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise bad_request("expected multipart/form-data with a 'files' field", "MISSING_INPUT")
    out = ParsedUpload()
    parts: list[_Part] = []
    header_name = b""
    headers: dict[bytes, bytes] = {}

    def on_part_begin() -> None:
        headers.clear()
        parts.append(_Part())

    def on_header_field(data: bytes, start: int, end: int) -> None:
        nonlocal header_name
        header_name += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        headers[header_name.lower()] = headers.get(header_name.lower(), b"") + data[start:end]

    def on_header_end() -> None:
        nonlocal header_name
        header_name = b""

    def on_headers_finished() -> None:
        _, disp = parse_options_header(headers.get(b"content-disposition", b""))
        part = parts[-1]
        part.name = disp.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" in disp:
            part.filename = disp[b"filename"].decode("utf-8", "replace") or "unnamed"
            part.spool = new_spool()

    def on_part_data(data: bytes, start: int, end: int) -> None:
        part = parts[-1]
        part.size += end - start
        limit = max_file_bytes if part.filename is not None else MAX_FIELD_BYTES
        if part.size > limit:
            if not part.too_large and part.spool is not None:
                part.spool.close()
                part.spool = new_spool()
            part.too_large = True
            part.chunks.clear()
        elif part.spool is not None:
            part.spool.write(data[start:end])
        else:
            part.chunks.append(data[start:end])

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
        },
    )
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except BaseException as exc:
        for part in parts:
            if part.spool is not None:
                part.spool.close()
        if isinstance(exc, MultipartParseError | IndexError):
            # IndexError: data before any part header, which the parser passes through.
            raise bad_request("the multipart body is malformed", "VALIDATION_ERROR") from exc
        raise
    for part in parts:
        if part.spool is not None and part.filename is not None and part.name in ("files", "file"):
            out.files.append(IncomingFile(part.filename, part.spool, part.size, part.too_large))
        elif part.spool is not None:
            part.spool.close()
        elif not part.too_large:
            out.fields[part.name] = b"".join(part.chunks).decode("utf-8", "replace")
    return out
