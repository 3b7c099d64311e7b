"""Bytes of an input file to clean text, whatever arrives.

    UTF-8 (with or without BOM)       read as is
    UTF-16 / UTF-32 with a BOM        read as is
    no valid UTF-8 sequence at all,   read as Windows-1252 (a superset of Latin-1 for text),
      high bytes that read as letters   with a warning
    anything else with bad bytes      an error naming the line and byte
    NUL bytes or a known file magic   an error: a binary file, not an article

Decoded text is then cleaned of what no article needs and what can fool a reader: control
characters (NUL, escape, ...) and the invisible bidirectional controls (U+202E and friends)
that can make a title read backwards.
"""

from __future__ import annotations

import codecs
import re

from timeline.errors import ArticleError
from timeline.model import Problem

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or a Word/OpenDocument file)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x7fELF", "a program"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document"),
)
_VALID_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
# What the high bytes of real Latin-1 text are: Western European letters and punctuation.
_LATIN = set("ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝßàáâãäåæçèéêëìíîïñòóôõöøùúûüýŒœŠšŽž")
_LATIN |= set("’‘“”–—…«»°£€§©®·¡¿ªº×•‚„‹›\xa0")
# C0/C1 controls but tab and newline; DEL; bidi embeddings, overrides and isolates; BOMs inside.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\ufeff]")
_UNSAFE_IN_NAMES = re.compile(f"[\t\n{_UNSAFE.pattern[1:-1]}]")
_SNIFF = 8192


def decode(data: bytes, rel: str) -> tuple[str, tuple[Problem, ...]]:
    """The text of one input file with its warnings; CRLF and CR become LF."""
    text, warnings = _decode(data, rel)
    return text.replace("\r\n", "\n").replace("\r", "\n"), warnings


def _decode(data: bytes, rel: str) -> tuple[str, tuple[Problem, ...]]:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return _strict(data, codec, rel), ()
    _refuse_binary(data, rel)
    try:
        return data.decode("utf-8"), ()
    except UnicodeDecodeError as err:
        bad = err.start
    line = data[:bad].count(b"\n") + 1
    latin = _as_latin(data)
    if latin is None:
        raise ArticleError(
            rel,
            f"not valid UTF-8 (byte 0x{data[bad]:02x} at offset {bad})",
            "the file is damaged or mixes encodings; save it as UTF-8",
            line,
        )
    warning = Problem(
        rel,
        "not UTF-8; read as Latin-1 (Windows-1252)",
        "check its accented letters, and save it as UTF-8",
        line,
    )
    return latin, (warning,)


def _strict(data: bytes, codec: str, rel: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as err:
        raise ArticleError(
            rel,
            f"starts with a {codec.upper()} byte order mark but is not {codec.upper()} "
            f"(offset {err.start})",
            "save the file as UTF-8",
        ) from None


def _refuse_binary(data: bytes, rel: str) -> None:
    head = data[:_SNIFF]
    kind = next((name for magic, name in _MAGIC if head.startswith(magic)), None)
    if kind is None and b"\0" in head:
        kind = "binary data"
    if kind is not None:
        raise ArticleError(
            rel,
            f"is {kind}, not a text article",
            "move it out of the sources folder, or convert it to .md or .txt",
        )


def _as_latin(data: bytes) -> str | None:
    """The text as Windows-1252 when that is plausibly what it is, else None."""
    if _VALID_MULTIBYTE.search(data):
        return None  # some UTF-8 and some damage: mixed, not Latin-1
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    high = [c for c in text if ord(c) > 0x7F]
    plausible = sum(1 for c in high if c in _LATIN)
    return text if plausible >= 0.9 * len(high) else None


def clean_text(text: str) -> tuple[str, int]:
    """`text` without control and bidi-control characters, and how many were removed."""
    cleaned, count = _UNSAFE.subn("", text)
    return cleaned, count


def shown(name: str) -> str:
    """A file name safe to print on one terminal line (controls and bad bytes escaped)."""
    out = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return _UNSAFE_IN_NAMES.sub(lambda m: f"\\u{ord(m.group()):04x}", out)
