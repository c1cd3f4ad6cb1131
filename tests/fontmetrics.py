"""Text widths from a TrueType font's own metrics (the ``cmap``, ``hhea`` and ``hmtx`` tables).

``text_pixels("91610131MA6TG1234X")`` is the width in pixels at 96 dpi of the text in Carlito
11 pt, the metric twin of Calibri 11 (Excel's default font, whose digit is 7 px wide: a column of
width w is 7·w px, 5 of them padding). Carlito comes with .ci/run (fonts-crosextra-carlito).
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from functools import lru_cache
from pathlib import Path

DIGIT_PX, PADDING_PX = 7, 5  # Calibri 11 at 96 dpi: Excel's column-width unit and cell padding


def font_file(family: str = "Carlito") -> Path | None:
    if shutil.which("fc-match") is None:
        return None
    found = subprocess.run(["fc-match", "-f", "%{file}\n%{family}", family], capture_output=True, text=True).stdout
    path, _, names = found.partition("\n")
    return Path(path) if family.lower() in names.lower() else None


@lru_cache(maxsize=4)
def _metrics(path: Path) -> tuple[int, dict[int, int]]:
    """(unitsPerEm, {code point: advance width}) for the BMP characters of the font."""
    data = path.read_bytes()
    tables = {}
    for i in range(struct.unpack(">H", data[4:6])[0]):
        tag, _, offset, _ = struct.unpack(">4sIII", data[12 + 16 * i:28 + 16 * i])
        tables[tag.decode()] = offset
    units = struct.unpack(">H", data[tables["head"] + 18:tables["head"] + 20])[0]
    n_metrics = struct.unpack(">H", data[tables["hhea"] + 34:tables["hhea"] + 36])[0]
    hmtx = tables["hmtx"]
    advances = [struct.unpack(">H", data[hmtx + 4 * g:hmtx + 4 * g + 2])[0] for g in range(n_metrics)]
    cmap = tables["cmap"]
    sub = None
    for i in range(struct.unpack(">H", data[cmap + 2:cmap + 4])[0]):
        platform, encoding, offset = struct.unpack(">HHI", data[cmap + 4 + 8 * i:cmap + 12 + 8 * i])
        if (platform, encoding) == (3, 1):
            sub = cmap + offset
    assert sub is not None and struct.unpack(">H", data[sub:sub + 2])[0] == 4, f"{path}: no Unicode BMP cmap"
    segs = struct.unpack(">H", data[sub + 6:sub + 8])[0] // 2
    ends = struct.unpack(f">{segs}H", data[sub + 14:sub + 14 + 2 * segs])
    starts = struct.unpack(f">{segs}H", data[sub + 16 + 2 * segs:sub + 16 + 4 * segs])
    deltas = struct.unpack(f">{segs}h", data[sub + 16 + 4 * segs:sub + 16 + 6 * segs])
    range_at = sub + 16 + 6 * segs
    ranges = struct.unpack(f">{segs}H", data[range_at:range_at + 2 * segs])
    widths = {}
    for s, (start, end, delta, rng) in enumerate(zip(starts, ends, deltas, ranges)):
        for code in range(start, min(end, 0xFFFE) + 1):
            if rng == 0:
                glyph = (code + delta) & 0xFFFF
            else:
                at = range_at + 2 * s + rng + 2 * (code - start)
                glyph = struct.unpack(">H", data[at:at + 2])[0]
                glyph = (glyph + delta) & 0xFFFF if glyph else 0
            widths[code] = advances[min(glyph, n_metrics - 1)]
    return units, widths


def text_pixels(text: str, path: Path, points: float = 11) -> float:
    units, widths = _metrics(path)
    return sum(widths.get(ord(ch), widths.get(0x20, 0)) for ch in text) * points * 96 / 72 / units


def column_pixels(width: float) -> float:
    """The room for text in a column of ``width`` units."""
    return width * DIGIT_PX - PADDING_PX
