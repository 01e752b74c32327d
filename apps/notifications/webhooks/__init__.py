"""Webhooks: REST clients' endpoints, the deliveries a publication plans for them, and each
signed POST with its retries.

A delivery is a row (``WebhookDelivery``) made in the publication's planning transaction and
enqueued after commit. An attempt claims the row for a short lease in one transaction, POSTs
outside any transaction (a slow receiver must hold no database lock), and records the outcome
in a second one. A failed attempt sets ``next_attempt_at`` by capped exponential backoff; the
every-minute sweep enqueues what is due again (``services.webhook_deliveries_enqueue_due``),
so no task waits with a long countdown. Delivery is at least once: receivers deduplicate on the
``X-Gaplanner-Delivery`` id.

One module per concern, imported by name (this package re-exports nothing):

- ``signing``: the ``X-Gaplanner-Signature`` header, made and verified;
- ``addresses``: which hosts may receive (the private-address rule);
- ``transport``: one POST, connecting only to addresses that rule allows;
- ``payloads``: what a publication says to receivers, and the bytes sent;
- ``services``: endpoints saved and rotated, deliveries planned, enqueued, redelivered, made;
- ``selectors``: endpoints and deliveries as organizers list them;
- ``api``: the REST views (``events/{slug}/webhooks/``).
"""
