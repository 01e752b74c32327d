from django.dispatch import Signal

# Sent after the transaction that published a version commits; kwargs: ``event``, ``version``.
# Feeds and notifications listen to it: the programme imports none of its outputs.
schedule_published = Signal()

# Sent after the transaction that added a session to a participant's agenda, or removed one,
# commits; kwargs: ``participant``, ``code``. Feeds renew their caches, notifications plan
# the reminders of that session for that participant.
agenda_changed = Signal()
