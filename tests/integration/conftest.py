import pytest

from tests.conftest import real_worker


@pytest.fixture(scope="package")
def worker():
    """A real Celery worker for the integration tests, stopped after their last one."""
    with real_worker() as running:
        yield running
