"""Tools around the pipeline, not part of its runtime: the synthetic authority (``generator``, behind
``scorecard generate`` and ``make demo``) and the builder of the shipped DfE benchmark files
(``benchmark_build``, run by hand). They may import ``pipelines``; nothing in ``pipelines`` imports them
except the CLI's ``generate`` command, lazily (tests/unit/test_layout.py).
"""
