"""A real worker on the configured broker: files under var/ by default, Redis with REDIS_URL."""

import pytest
from django.conf import settings

from gaplanner.celery import QUEUES, app, task_ping


def test_the_broker_is_the_one_the_environment_names():
    expected = settings.REDIS_URL or "filesystem://"

    assert (app.conf.broker_url, app.conf.task_always_eager) == (expected, False)


@pytest.mark.parametrize("queue", QUEUES)
def test_a_real_worker_takes_tasks_from_each_queue(worker, queue):
    result = task_ping.apply_async(queue=queue)

    assert result.get(timeout=30) == {"queue": queue}


def test_tasks_are_routed_by_name():
    assert app.amqp.router.route({}, "gaplanner.feeds.render")["queue"].name == "feeds"
    assert app.amqp.router.route({}, "gaplanner.notifications.sweep")["queue"].name == "notifications"
    assert app.amqp.router.route({}, "gaplanner.ping")["queue"].name == "default"
