"""Benchmarks: each measures figures against a baseline run side by side, as rows of one
table (``bench/report.py``).

Run them all with `make bench` (`python -m bench`), some with `python -m bench bench.<name> …`,
or one alone with its own table: `.venv/bin/python -m bench.<name>`.
"""

import os

import django


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gaplanner.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-not-for-production-use-0123456789")
    os.environ.setdefault("VAR_DIR", "var/bench")
    django.setup()
