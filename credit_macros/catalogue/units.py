"""Member units (成员单位) of the 沣西新城 credit-system leading group, and name resolution.

The plan's text is OCR output: 沣西 appears as 沅西/沔西/津西/洋西 (and once 西 is lost),
brackets are full- or half-width. ``resolve`` turns any name, alias or list of names into
canonical unit names; ``resolve_report`` also returns what could not be resolved, so nothing
is silently dropped.

>>> resolve("综合执法支队")
['综合行政执法支队']
>>> resolve("西咸新区生态环境局(沔西)工作部")
['西咸新区生态环境局（沣西）工作部']
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

OCR_NOISE = ("沅西", "沔西", "津西", "洋西")


@dataclass(frozen=True)
class Unit:
    name: str
    short: str
    aliases: tuple[str, ...]
    order: int


def normalize(text: str) -> str:
    """Undo OCR noise and bracket/space variants so names compare equal."""
    text = re.sub(r"\s+", "", str(text))
    text = text.replace("(", "（").replace(")", "）")
    for noise in OCR_NOISE:
        text = text.replace(noise, "沣西")
    # "沣西新城" with 西 lost: "洋新城"/"沣新城" → "沣西新城"
    text = re.sub(r"(?<![沣西])[洋沣沅沔津]新城", "沣西新城", text)
    return text


@lru_cache(maxsize=1)
def _data() -> dict:
    raw = resources.files("credit_macros.catalogue").joinpath("units.toml").read_text("utf-8")
    return tomllib.loads(raw)


@lru_cache(maxsize=1)
def all_units() -> tuple[Unit, ...]:
    return tuple(
        Unit(u["name"], u["short"], tuple(u["aliases"]), i)
        for i, u in enumerate(_data()["unit"], start=1)
    )


def names() -> list[str]:
    return [u.name for u in all_units()]


@lru_cache(maxsize=1)
def _lookup() -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    for unit in all_units():
        for key in (unit.name, unit.short, *unit.aliases):
            table[normalize(key)] = [unit.name]
    for key, target in _data()["groups"].items():
        table[normalize(key)] = names() if target == "*" else list(target)
    return table


def by_name(name: str) -> Unit:
    for unit in all_units():
        if unit.name == name:
            return unit
    raise KeyError(name)


def resolve_report(text: str) -> tuple[list[str], list[str]]:
    """Canonical units named in ``text`` (one name or a 、-separated list) and the unknown parts."""
    table = _lookup()
    keys = sorted(table, key=len, reverse=True)
    found: list[str] = []
    unknown: list[str] = []
    for part in re.split(r"[、，,；;/\n]+", normalize(text)):
        rest = part.strip()
        while rest:
            for key in keys:
                if rest.startswith(key):
                    found.extend(u for u in table[key] if u not in found)
                    rest = rest[len(key):]
                    rest = rest[1:] if rest.startswith("和") else rest
                    break
            else:
                unknown.append(rest)
                rest = ""
    return found, unknown


def resolve(text: str) -> list[str]:
    """Canonical unit names in ``text``; unknown parts are ignored here (see ``resolve_report``)."""
    return resolve_report(text)[0]
