"""Job entry points: one module per job with ``add_arguments(parser)`` and ``run(cfg, args)``.

The order of ``PIPELINE`` is the order ``lea run`` executes them in.
"""
PIPELINE = ["generate", "ingest", "households", "indicators", "train", "evaluate", "publish", "report"]
