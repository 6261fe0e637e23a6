"""The rules of expert consultation: profiles, availability, booking, changes, reminders, retention.

A slot is taken once: besides the checks here, a partial unique index over the slot-holding
bookings makes the database refuse a second one, so parallel bookers cannot both win. Case content
is read only through `read_case`, which checks need-to-know and writes the audit log.

The rules live in one module per aggregate (profiles, availability, booking, changes, cases, watches,
mail; the refusals in errors); the reads that change nothing in `lms.beratung.queries`. This package
names them all, so that callers keep writing `services.book(...)`.
"""
from lms.beratung.queries import (
    ExpertFilter,
    absences_of,
    bookable_profile,
    booking_of,
    conflicts,
    consultations_of,
    find_experts,
    free_slots,
    is_bookable,
    next_free_slot_by_expert,
    next_free_slots,
    open_bookings_with,
    open_consultations,
    profile_of,
    rules_of,
    type_label,
    upcoming_bookings,
    windows_ending,
    windows_of,
)
from lms.beratung.services.availability import WindowInput, add_absence, add_window, remove_absence, remove_window
from lms.beratung.services.booking import (
    BOOKER_ROLES,
    CODE_ALPHABET,
    VIGNETTE_MAX,
    BookingInput,
    CaseInput,
    book,
    check_slot,
)
from lms.beratung.services.cases import CaseView, erase_expired_case_content, read_case, record_outcome, reveal_booker
from lms.beratung.services.changes import cancel, check_move, confirm, decline, reschedule
from lms.beratung.services.errors import IdentifiersFound, SlotUnavailable, check_free_text
from lms.beratung.services.mail import REMINDERS, send_consultation_reminders
from lms.beratung.services.profiles import ProfileInput, save_profile
from lms.beratung.services.watches import watch
from lms.errors import DomainError

__all__ = [
    "BOOKER_ROLES", "BookingInput", "CODE_ALPHABET", "CaseInput", "CaseView", "DomainError", "ExpertFilter",
    "IdentifiersFound", "ProfileInput", "REMINDERS", "SlotUnavailable", "VIGNETTE_MAX", "WindowInput",
    "absences_of", "add_absence", "add_window", "book", "bookable_profile", "booking_of", "cancel",
    "check_free_text", "check_move", "check_slot", "confirm", "conflicts", "consultations_of", "decline",
    "erase_expired_case_content", "find_experts", "free_slots", "is_bookable", "next_free_slot_by_expert",
    "next_free_slots", "open_bookings_with", "open_consultations", "profile_of", "read_case", "record_outcome",
    "remove_absence", "remove_window", "reschedule", "reveal_booker", "rules_of", "save_profile",
    "send_consultation_reminders", "type_label", "upcoming_bookings", "watch", "windows_ending", "windows_of",
]
