"""Zip archives from strangers (.docx, .odt, .xlsx, .qdpx): checked before anything reads them.

:func:`check_zip` refuses, with one line naming the file and the member:

* member paths that would land outside an extraction folder (zip-slip): absolute paths,
  drive letters, backslashes, ``..`` parts, NUL bytes;
* zip bombs: more than :data:`MAX_MEMBERS` members, a declared total size over
  :data:`MAX_TOTAL_BYTES`, a member over :data:`MAX_MEMBER_BYTES`, a compression ratio
  over :data:`MAX_RATIO` on a member bigger than :data:`RATIO_FLOOR_BYTES`, or members
  whose compressed data overlap (the "overlapping files" bomb);
* encrypted members.

Other modules call :func:`open_zip` (bytes → checked ``ZipFile``), :func:`check_zip`
(an open ``ZipFile``) and :func:`read_member` (reads at most the declared size), or
:func:`extract_path` to get a safe target path when extracting.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path, PurePosixPath

from casecode.errors import CasecodeError

MAX_MEMBERS = 10_000
MAX_TOTAL_BYTES = 1 << 30  # 1 GiB uncompressed in all
MAX_MEMBER_BYTES = 512 << 20  # 512 MiB for one member
MAX_RATIO = 200
RATIO_FLOOR_BYTES = 1 << 20  # small members may compress well (XML of repeated tags)


class UnsafeArchiveError(CasecodeError):
    """A zip archive is malformed, or built to escape its folder or exhaust memory."""


def _unsafe_name(name: str) -> str | None:
    if "\x00" in name:
        return "contains a NUL byte"
    if "\\" in name:
        return "uses backslashes"
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "is an absolute path"
    if ".." in PurePosixPath(name).parts:
        return "climbs out of the archive with '..'"
    return None


def check_zip(archive: zipfile.ZipFile, source: str | Path) -> zipfile.ZipFile:
    """Refuse a zip-slip or zip-bomb archive; return it unchanged when it is safe.

    Raises:
        UnsafeArchiveError: naming ``source`` and the offending member.
    """
    infos = archive.infolist()
    hint = "the archive is not what it claims to be; do not open it, ask the sender for the original file"
    if len(infos) > MAX_MEMBERS:
        raise UnsafeArchiveError(f"{source}: zip archive has {len(infos):,} members (limit {MAX_MEMBERS:,})", hint=hint)
    total = 0
    for info in infos:
        why = _unsafe_name(info.filename)
        if why:
            raise UnsafeArchiveError(f"{source}: zip member {info.filename!r} {why} (zip-slip)", hint=hint)
        if info.flag_bits & 0x1:
            raise UnsafeArchiveError(f"{source}: zip member {info.filename!r} is encrypted", hint="save the file again without a password")
        if info.file_size > MAX_MEMBER_BYTES:
            raise UnsafeArchiveError(f"{source}: zip member {info.filename!r} unpacks to {info.file_size:,} bytes (limit {MAX_MEMBER_BYTES:,})", hint=hint)
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise UnsafeArchiveError(f"{source}: zip member {info.filename!r} has compression ratio {ratio:,}:1 (limit {MAX_RATIO}:1): a zip bomb", hint=hint)
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise UnsafeArchiveError(f"{source}: zip archive unpacks to more than {MAX_TOTAL_BYTES:,} bytes", hint=hint)
    ordered = sorted(infos, key=lambda i: i.header_offset)
    for first, second in zip(ordered, ordered[1:]):
        if first.header_offset + first.compress_size > second.header_offset:
            raise UnsafeArchiveError(f"{source}: zip members {first.filename!r} and {second.filename!r} overlap (a zip bomb)", hint=hint)
    return archive


def open_zip(data: bytes, source: str | Path, *, kind: str = "zip") -> zipfile.ZipFile:
    """Open zip bytes and check them (see :func:`check_zip`).

    Raises:
        UnsafeArchiveError: not a zip file, or an unsafe one.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise UnsafeArchiveError(f"{source}: not a readable {kind} file ({type(exc).__name__})", hint=f"re-save it as {kind}, or check it is not truncated") from None
    return check_zip(archive, source)


def read_member(archive: zipfile.ZipFile, name: str, source: str | Path) -> bytes:
    """Read one member, never more than its declared size (a lying header cannot grow it)."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise UnsafeArchiveError(f"{source}: zip member {name!r} is missing", hint="the file is damaged or not of the type its name says") from None
    try:
        with archive.open(info) as stream:
            data = stream.read(info.file_size + 1)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise UnsafeArchiveError(f"{source}: zip member {name!r} cannot be read ({type(exc).__name__})", hint="the file is damaged; re-save it") from None
    if len(data) > info.file_size:
        raise UnsafeArchiveError(f"{source}: zip member {name!r} is larger than its header says", hint="the file is damaged or crafted; do not open it")
    return data


def extract_path(root: str | Path, name: str, source: str | Path) -> Path:
    """The path where member ``name`` may be written under ``root``; refuses escapes."""
    why = _unsafe_name(name)
    base = Path(root).resolve()
    target = (base / name).resolve()
    if why is None and not target.is_relative_to(base):
        why = "resolves outside the target folder"
    if why:
        raise UnsafeArchiveError(f"{source}: zip member {name!r} {why} (zip-slip)", hint="the archive is not what it claims to be; do not open it")
    return target
