import pytest
from celery.contrib.testing.worker import start_worker

from gaplanner.celery import QUEUES, app


@pytest.fixture(scope="package")
def worker():
    """A real Celery worker on the configured broker, consuming every queue, for the package."""
    app.control.purge()
    with start_worker(app, perform_ping_check=False, queues=list(QUEUES)) as running:
        yield running
