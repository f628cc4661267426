"""Benchmarks: each one measures the page against a reference in the same run (docs/performance.md).

Run them from the repository root, e.g. `python -m benchmarks.page` or
`python benchmarks/browser_bench.py`; `common`, `servers` and `doc_section` are what they share.
"""
