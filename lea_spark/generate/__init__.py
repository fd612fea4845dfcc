"""Synthetic national register extracts for lea-spark (``lea generate``).

:mod:`geography` plans persons and families per real municipality, :mod:`population`
draws families from the ten LEA groups (:mod:`profiles`) and explodes them to persons,
:mod:`kin` and :mod:`events` derive the register records, :mod:`layouts` shapes them into
each agency's own file layout, :mod:`dirty` injects faults on request and :mod:`writer`
writes the files from Spark tasks. :mod:`generator` runs it all.
"""
