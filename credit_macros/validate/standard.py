"""What a code standard module gives the rule engine (``uscc``, ``idcard``, ``phone``).

Each standard, in python-stdnum's manner, has ``validate(number)`` that returns the number or
raises one of python-stdnum's exceptions (``InvalidLength``, ``InvalidFormat``,
``InvalidChecksum``, ``InvalidComponent``) carrying a Chinese message, and ``CODES`` mapping each
exception class one-to-one onto a rule code of ``catalogue/rules.toml``. ``caught`` turns that
into the engine's problems: ``(code, message)`` pairs, severity from the registry.

>>> from stdnum.exceptions import InvalidLength
>>> def validate(number):
...     if len(number) != 3:
...         raise InvalidLength(f"应为3位，现为{len(number)}位")
...     return number
>>> caught(validate, {InvalidLength: "x-length"}, "12"), caught(validate, {InvalidLength: "x-length"}, "123")
((('x-length', '应为3位，现为2位'),), ())
"""

from __future__ import annotations

from typing import Callable

from stdnum.exceptions import ValidationError

Problem = tuple[str, str]  # (rule code, detail in Chinese)
OK: tuple[Problem, ...] = ()


def caught(validate: Callable, codes: dict[type, str], *args) -> tuple[Problem, ...]:
    """``validate(*args)``'s exception as one problem (its code from ``codes``), else none."""
    try:
        validate(*args)
    except ValidationError as exc:
        return ((codes[type(exc)], str(exc)),)
    return OK
