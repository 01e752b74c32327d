"""Benchmarks: each prints figures and ratios against a baseline run side by side.

Run with `make bench`, or `.venv/bin/python -m bench.<name>`.
"""

import os

import django


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gaplanner.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-not-for-production-use-0123456789")
    os.environ.setdefault("VAR_DIR", "var/bench")
    django.setup()
