"""spark-submit entry point for the whole pipeline (``lea run``)."""
import sys

from lea_spark.jobs.common import submit_main

if __name__ == "__main__":
    sys.exit(submit_main("run"))
