"""The embedded broker never hands a worker a message that is still being written."""

import json

from kombu import Connection
from kombu.transport import filesystem

from gaplanner import broker


def channel_of(transport, folder):
    connection = Connection(
        transport=transport, transport_options={"data_folder_in": str(folder), "data_folder_out": str(folder)}
    )
    return connection, connection.channel()


def poll_while_writing(monkeypatch, module, channel, seen):
    """While the producer serialises the message (its file open already), a worker polls."""

    def dumps(payload):
        try:
            seen.append(channel._get("default"))
        except Exception as exc:  # the outcome, whatever it is, is what the test compares
            seen.append(exc)
        return json.dumps(payload)

    monkeypatch.setattr(module, "dumps", dumps)


def test_a_worker_polling_mid_write_sees_nothing_then_the_whole_message(tmp_path, monkeypatch):
    connection, channel = channel_of(broker.Transport, tmp_path)
    seen = []
    poll_while_writing(monkeypatch, broker, channel, seen)

    channel._put("default", {"task": "gaplanner.ping"})
    monkeypatch.undo()
    delivered = channel._get("default")
    connection.release()

    assert [type(outcome).__name__ for outcome in seen] == ["Empty"]
    assert delivered == {"task": "gaplanner.ping"}


def test_kombus_own_transport_hands_out_a_message_mid_write(tmp_path, monkeypatch):
    """Why gaplanner.broker exists: with kombu's filesystem transport the same poll reads an
    empty file, and a worker dies on it."""
    connection, channel = channel_of(filesystem.Transport, tmp_path)
    seen = []
    poll_while_writing(monkeypatch, filesystem, channel, seen)

    channel._put("default", {"task": "gaplanner.ping"})
    connection.release()

    assert [type(outcome).__name__ for outcome in seen] == ["JSONDecodeError"]
