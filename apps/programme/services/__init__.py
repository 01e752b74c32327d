"""Every write to the programme: sessions, publishing, and loading a whole event bundle."""

from .agenda import agenda_add, agenda_codes_saved, agenda_remove
from .audit import audit_record, session_state
from .bundle import BundleError, event_bundle_import
from .demo import demo_accounts_ensure
from .publishing import publication_warnings, schedule_changes, schedule_publish
from .sessions import session_cancel, session_delete, session_save

__all__ = [
    "BundleError",
    "agenda_add",
    "agenda_codes_saved",
    "agenda_remove",
    "audit_record",
    "demo_accounts_ensure",
    "event_bundle_import",
    "publication_warnings",
    "schedule_changes",
    "schedule_publish",
    "session_cancel",
    "session_delete",
    "session_save",
    "session_state",
]
