"""Family types and service-need groups: the Spark ML pipeline, its metrics and profiles.

* :mod:`.features` - which columns of ``gold.family_features`` are features, their version,
  validation, and the documented transform (median imputation, inverse hyperbolic sine,
  0-1 range standardisation);
* :mod:`.clustering` - k-means family types with restarts, removal of types below the
  disclosure threshold, the weighted Ward hierarchy of types into groups, and the logged
  alternatives (Gaussian mixture on principal components, bisecting k-means);
* :mod:`.metrics` - within-cluster sums of squares, adjusted Rand index, matching;
* :mod:`.profiles` - pen portraits of types and groups (aggregates only);
* :mod:`.names` - human names of the groups (``conf/group_names.yaml``);
* :mod:`.truth` - the planted group of each family on synthetic data (evaluation only);
* :mod:`.registry` - MLflow logging, registration and loading by alias;
* :mod:`.synthetic` - a synthetic feature matrix with planted groups for tests and benchmarks.
"""
