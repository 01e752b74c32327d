from django.dispatch import Signal

# Sent after the transaction that published a version commits; kwargs: ``event``, ``version``.
# Feeds and notifications listen to it: the programme imports none of its outputs.
schedule_published = Signal()
