"""Finnish personal identity codes (henkilötunnus) and their pseudonymisation.

A code is ``DDMMYYCNNNT``: birth date, century sign (``+`` 1800s; ``-`` or ``Y X W V U``
1900s; ``A`` or ``B C D E F`` 2000s), individual number ``NNN`` and check character ``T`` =
``CHECK_CHARS[int(DDMMYYNNN) % 31]``. Individual numbers 900-999 are used for temporary
and test codes; the synthetic registers use only those, so no real person's code is ever
produced.

Pseudonymisation is HMAC-SHA256 with a key taken from the environment, computed with
Spark built-ins (no Python UDF), so it runs at register scale on the executors.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re

CHECK_CHARS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
CENTURY = {"+": 1800, "-": 1900, "Y": 1900, "X": 1900, "W": 1900, "V": 1900, "U": 1900,
           "A": 2000, "B": 2000, "C": 2000, "D": 2000, "E": 2000, "F": 2000}
HETU_REGEX = r"^[0-9]{6}[-+A-FU-Y][0-9]{3}[0-9A-Y]$"
PSEUDONYM_REGEX = r"^[0-9a-f]{64}$"


def check_char(birth: dt.date, individual: int) -> str:
    n = int(f"{birth:%d%m}{birth.year % 100:02d}{individual:03d}")
    return CHECK_CHARS[n % 31]


def make_hetu(birth: dt.date, individual: int) -> str:
    """A valid identity code for ``birth`` and ``individual`` number (2..999)."""
    sign = "+" if birth.year < 1900 else "-" if birth.year < 2000 else "A"
    return f"{birth:%d%m}{birth.year % 100:02d}{sign}{individual:03d}{check_char(birth, individual)}"


def is_valid_hetu(code: str) -> bool:
    import re

    if not isinstance(code, str) or not re.match(HETU_REGEX, code):
        return False
    try:
        birth = dt.date(CENTURY[code[6]] + int(code[4:6]), int(code[2:4]), int(code[0:2]))
    except (KeyError, ValueError):
        return False
    return code[10] == check_char(birth, int(code[7:10]))


def hetu_is_valid_col(col):
    """Spark Column: true when ``col`` is a well-formed code with the right check character.

    Built from three substrings of the code and integer arithmetic (no date parsing): this
    runs on every identity code of every register row at ingest."""
    from pyspark.sql import functions as F

    ddmmyy = F.substring(col, 1, 6).try_cast("int")
    number = ddmmyy.cast("long") * 1000 + F.substring(col, 8, 3).try_cast("long")
    expected = F.element_at(F.array(*[F.lit(c) for c in CHECK_CHARS]), (number % 31 + 1).cast("int"))
    return F.coalesce(
        col.rlike(HETU_REGEX) & _birth_date_is_real(col, ddmmyy) & (F.substring(col, 11, 1) == expected),
        F.lit(False),
    )


def is_pseudonym_col(col):
    """Spark Column: true when ``col`` is already a 64-hex pseudonym (``PSEUDONYM_REGEX``),
    false otherwise (also for null).

    The regular expression runs only on values of 64 to 67 bytes: its ``$`` also matches
    before a final line terminator (1 to 3 bytes in UTF-8), so no value outside that range
    can match. Identity codes, 11 bytes, are the usual value and never reach the regular
    expression (each evaluation decodes the value into a Java string)."""
    from pyspark.sql import functions as F

    size = F.octet_length(col)
    return F.coalesce((size >= 64) & (size <= 67) & col.rlike(PSEUDONYM_REGEX), F.lit(False))


def _century(col):
    from pyspark.sql import functions as F

    sign = F.substring(col, 7, 1)
    return (F.when(sign == "+", F.lit(1800)).when(sign.isin("-", "Y", "X", "W", "V", "U"), F.lit(1900))
            .otherwise(F.lit(2000)))


def _birth_date_is_real(col, ddmmyy):
    from lea_spark.datetext import is_real_date

    return is_real_date(_century(col) + ddmmyy % 100, (ddmmyy / 100).cast("int") % 100, (ddmmyy / 10000).cast("int"))


def birth_date_col(col):
    """Spark Column: the birth date encoded in a (valid) identity code; null when its first
    six characters and century sign are not a real date."""
    from pyspark.sql import functions as F

    from lea_spark.datetext import parse_date

    text = F.concat((_century(col) + F.substring(col, 5, 2).try_cast("int")).cast("string"),
                    F.substring(col, 3, 2), F.substring(col, 1, 2))
    return parse_date(text, "yyyyMMdd")


# Anything shaped like an identity code, valid or not (masked in raw records and messages).
CODE_LIKE = r"[0-9]{6}[-+A-Za-z][0-9]{2,3}[0-9A-Za-z]?"
# ... and 64-hex pseudonyms too, in messages that reach the log.
# The pseudonym first: a pseudonym that starts with a code's shape is masked whole. A code is
# masked where it starts a token (not inside a timestamp such as 20221205T134443Z).
_CODE_OR_PSEUDONYM = re.compile(r"(?<![0-9a-fA-F])[0-9a-fA-F]{64}(?![0-9a-fA-F])|(?<![0-9A-Za-z])" + CODE_LIKE)


def redact(text: str) -> str:
    """``text`` with identity-code-shaped substrings and 64-hex pseudonyms replaced by ``<id>``:
    for error messages of other libraries (Spark quotes the value a cast failed on) before
    they are logged."""
    return _CODE_OR_PSEUDONYM.sub("<id>", text)


def _pads(key: bytes) -> tuple[bytes, bytes]:
    block = 64
    if len(key) > block:
        key = hashlib.sha256(key).digest()
    key = key.ljust(block, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def pseudonymise(code: str, key: str) -> str:
    """HMAC-SHA256 of ``code`` under ``key`` as 64 hex characters (Python reference)."""
    return hmac.new(key.encode("utf-8"), code.encode("utf-8"), hashlib.sha256).hexdigest()


def pseudonymise_col(col, key: str):
    """Spark Column: the same HMAC-SHA256 as :func:`pseudonymise`, with built-ins only."""
    from pyspark.sql import functions as F

    inner_pad, outer_pad = _pads(key.encode("utf-8"))
    inner = F.sha2(F.concat(F.unhex(F.lit(inner_pad.hex())), F.encode(col, "UTF-8")), 256)
    return F.when(col.isNull(), F.lit(None)).otherwise(
        F.sha2(F.concat(F.unhex(F.lit(outer_pad.hex())), F.unhex(inner)), 256)
    )
