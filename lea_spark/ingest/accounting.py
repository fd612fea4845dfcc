"""Row accounting: every row read is either accepted or quarantined under one rule.

``bronze.ingest_accounting`` has one row per (register, source file, rule) that
quarantined at least one row of the file, and one row with ``rule`` null and
``rows_by_rule`` 0 for a file with nothing quarantined. ``rows_read``,
``rows_accepted`` and ``rows_quarantined`` repeat the file's totals on each of its rows;
``rows_read = rows_accepted + rows_quarantined`` and ``rows_quarantined`` is the sum of
``rows_by_rule``. A file that matched a contract but holds no data row appears with zeros.
"""
from __future__ import annotations

ACCOUNTING_SCHEMA = (
    "register string, source_file string, rows_read long, rows_accepted long, rows_quarantined long, "
    "rule string, rows_by_rule long, ingest_run_id string"
)


class AccountingError(RuntimeError):
    """The row accounting does not balance: a bug, never a data problem."""


def accounting_rows(counts: list[tuple[str, str, str | None, int]], files: dict[str, list[str]],
                    run_id: str) -> list[tuple]:
    """Accounting rows from ``(register, source_file, rule or None, rows)`` counts.

    ``files`` maps each register to every file it read, so that empty files appear too.
    """
    per_file: dict[tuple[str, str], dict[str | None, int]] = {
        (reg, f): {} for reg, names in files.items() for f in names
    }
    for register, source_file, rule, rows in counts:
        if (register, source_file) not in per_file:
            raise AccountingError(f"rows counted for {source_file} of {register}, a file that was not read")
        bucket = per_file[(register, source_file)]
        bucket[rule] = bucket.get(rule, 0) + int(rows)
    out = []
    for (register, source_file), bucket in sorted(per_file.items()):
        accepted = bucket.get(None, 0)
        by_rule = {r: n for r, n in bucket.items() if r is not None}
        quarantined = sum(by_rule.values())
        read = accepted + quarantined
        if not by_rule:
            out.append((register, source_file, read, accepted, 0, None, 0, run_id))
        for rule in sorted(by_rule):
            out.append((register, source_file, read, accepted, quarantined, rule, by_rule[rule], run_id))
    return out
