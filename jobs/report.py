import sys

from lea_spark.jobs.common import submit_main

sys.exit(submit_main("report"))
