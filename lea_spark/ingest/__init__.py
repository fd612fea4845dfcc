"""Contract-driven ingest of register extracts into bronze.

* :mod:`~lea_spark.ingest.contract` - register contracts (``conf/registers/*.yaml``);
* :mod:`~lea_spark.ingest.readers` - CSV (exact line numbers, encoding and field-count
  checks) and Parquet readers, and the driver-side checks for missing files and columns;
* :mod:`~lea_spark.ingest.validate` - typing, validation rules, pseudonymisation,
  duplicate keys; accepted / quarantined rows;
* :mod:`~lea_spark.ingest.accounting` - rows read = accepted + quarantined, by rule.

The job :mod:`lea_spark.jobs.ingest` does the I/O.
"""
from lea_spark.ingest.accounting import ACCOUNTING_SCHEMA, AccountingError, accounting_rows  # noqa: F401
from lea_spark.ingest.contract import Contract, ContractError, load_contract, load_contracts  # noqa: F401
from lea_spark.ingest.readers import IngestError  # noqa: F401
from lea_spark.ingest.validate import RULE_ORDER  # noqa: F401
