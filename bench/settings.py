"""The site's settings with the benchmark's URLs (``bench/urls.py``): the HTTP benchmarks
start gunicorn with ``DJANGO_SETTINGS_MODULE=bench.settings`` so that the baselines answer
through the same server, middleware and database as the pages they are compared with."""

from gaplanner.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
