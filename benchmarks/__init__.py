"""Benchmarks of issue 9: ``python -m benchmarks`` (``make bench``); see README.md."""
