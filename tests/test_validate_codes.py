"""The code standards' fast paths give python-stdnum's verdicts, near-miss by near-miss.

``uscc.validate`` sends a plain code (``uscc.PLAIN``) straight to stdnum's check character and
``idcard`` asks stdnum for a birth date once per 出生日期码 (``idcard._born``); here both are
compared with calling stdnum the whole way, as the modules did before, on valid codes and on
every kind of change a clerk's typing makes to them.
"""

from __future__ import annotations

import datetime as dt
import random

import stdnum.cn.ric as ric
import stdnum.cn.uscc as stdnum_uscc
from stdnum.exceptions import InvalidComponent

from credit_macros.demo import make_ric, make_uscc
from credit_macros.validate import idcard, uscc

AS_OF = dt.date(2026, 2, 10)
CHARACTERS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcxyz -–.'/:\n\t\u3000０Ａ\u200b١²"


def verdict(fn, *args):
    """What ``fn`` says: ("ok", its result), or the class of what it raises — any exception: on
    "9161110\\n…" stdnum itself fails with ValueError (its digit test lets a newline through), and
    both must fail alike."""
    try:
        return "ok", fn(*args)
    except Exception as exc:  # noqa: BLE001
        return type(exc).__name__, None


def near_misses(code: str, rng: random.Random) -> list[str]:
    """``code``, each character replaced by some others, characters dropped, added, and case and spacing changed."""
    out = [code, code.lower(), code[:-1], code + "0", code[1:], " " + code, code + " ", code[:8] + "-" + code[8:]]
    for i in range(len(code)):
        out += [code[:i] + ch + code[i + 1:] for ch in rng.sample(CHARACTERS, 8)]
    return out


def test_uscc_alphabet_is_stdnums():
    assert uscc.ALPHABET == stdnum_uscc._alphabet


def test_uscc_fast_path_gives_stdnums_verdict_on_near_misses():
    rng = random.Random(16)
    codes = [make_uscc(rng, prefix) for prefix in ("91", "11", "12", "52", "92") for _ in range(20)]
    checked = 0
    for code in codes:
        for number in near_misses(code, rng):
            assert verdict(uscc.validate, number) == verdict(stdnum_uscc.validate, number), number
            checked += 1
    assert checked == 100 * (8 + 18 * 8)


def test_uscc_checksum_message_names_the_right_character():
    code = make_uscc(random.Random(1))
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    assert uscc.problems(wrong) == (
        ("uscc-checksum", f"统一社会信用代码 {wrong} 校验位错误，按前17位应为 {code[-1]}，请核对后重新录入"),)


def outcome(fn, *args):
    """``fn``'s result, or the class and text of whatever it raises."""
    try:
        return fn(*args)
    except Exception as exc:  # noqa: BLE001 - both must fail alike, whatever the failure
        return type(exc).__name__, str(exc)


def old_birth_date(number: str):
    """What ``idcard`` used before ``_born``: stdnum's ``get_birth_date`` on the whole number."""
    try:
        return ric.get_birth_date(number)
    except InvalidComponent:
        return None


def test_birth_date_per_date_code_is_stdnums_for_every_kind_of_date():
    rng = random.Random(11643)
    days = [dt.date(1900, 1, 1) + dt.timedelta(days=d) for d in range(0, 200 * 366, 7)]
    codes = [d.strftime("%Y%m%d") for d in days]
    codes += ["19900229", "20000229", "19000229", "19901301", "19900001", "19900100", "19900132", "00000101",
              "99991231", "20260230"] + [f"{rng.randrange(10 ** 8):08d}" for _ in range(5000)]
    regions = ["610102", "110201", "611100", "999999", f"{rng.randrange(10 ** 6):06d}"]
    for digits in codes:
        number = f"{rng.randrange(10 ** 6):06d}{digits}{rng.randrange(1000):03d}{rng.choice('0123456789X')}"
        assert idcard._birth_date(number) == old_birth_date(number), number
        body = f"{rng.choice(regions)}{digits}{rng.randrange(1000):03d}"
        number = body + ric.calc_check_digit(body + "0")  # right check digit: the birth date decides
        assert outcome(idcard.problems.__wrapped__, number, AS_OF) == outcome(old_id_problems, number, AS_OF), number


def old_id_problems(number: str, as_of: dt.date):
    """``idcard.problems`` with stdnum's ``get_birth_date`` called on every number (the module before ``_born``)."""
    saved = idcard._birth_date
    idcard._birth_date = old_birth_date
    try:
        return idcard.problems.__wrapped__(number, as_of)
    finally:
        idcard._birth_date = saved


def test_id_verdicts_are_those_of_stdnum_on_near_misses():
    rng = random.Random(1999)
    numbers = [make_ric(rng) for _ in range(60)] + ["110201199312010077", "110201198012010070", "999999199001011238",
                                                    "610102203001011235", "610102199002301230"]
    for code in numbers:
        for number in near_misses(code, rng)[:120]:
            assert outcome(idcard.problems.__wrapped__, number, AS_OF) == outcome(old_id_problems, number, AS_OF), number
