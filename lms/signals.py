"""The few signals by which a lower package tells a higher one that something happened.

Receivers run inside the sender's transaction: they flush, never commit.
"""
from blinker import Namespace

_signals = Namespace()

#: A participant completed a module. Sent by lms.module with sender=the Completion and
#: keyword arguments user, module, completed_at. lms.kompetenzen turns it into evidence.
completion_recorded = _signals.signal("completion-recorded")

#: A completion was withdrawn (attendance corrected). Same arguments as completion_recorded.
completion_revoked = _signals.signal("completion-revoked")
