"""The real Celery worker these tests use is ``worker``, in ``tests/conftest.py``."""
