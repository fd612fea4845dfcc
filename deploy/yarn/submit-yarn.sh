#!/usr/bin/env bash
# Submit a lea-spark job to YARN (client mode: the driver runs here and reads conf/ locally).
#   deploy/yarn/submit-yarn.sh JOB [job flags]
# Needs HADOOP_CONF_DIR pointing at the cluster's configuration, a packed environment
# (deploy/pack-env) because YARN nodes do not have the Python dependencies, and the Delta
# jars from the cluster's package repository (DELTA_PACKAGES, e.g. io.delta:delta-spark_2.13:4.0.0).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
: "${HADOOP_CONF_DIR:?set HADOOP_CONF_DIR to the YARN cluster configuration}"
export LEA_PACKED_ENV="${LEA_PACKED_ENV:-$here/../../dist/lea_env.tar.gz}"
[[ -f "$LEA_PACKED_ENV" ]] || "$here/../pack-env" "$LEA_PACKED_ENV"
delta=()
if [[ -n "${DELTA_PACKAGES:-}" ]]; then
  delta=(--spark-conf "spark.jars.packages=$DELTA_PACKAGES"
         --spark-conf "spark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension"
         --spark-conf "spark.sql.catalog.spark_catalog=org.apache.spark.sql.delta.catalog.DeltaCatalog")
fi
exec "$here/../lea-submit" --master yarn "${delta[@]}" "$@"
