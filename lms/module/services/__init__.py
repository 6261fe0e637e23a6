"""The rules of qualification: modules, offerings, enrolment and waitlist, attendance, completion.

Seats are counted in `Offering.seats_taken` and change only through conditional updates, so the
capacity holds under concurrent requests on SQLite and PostgreSQL alike. A freed seat is handed
straight to the first person on the waitlist (first come, first served) unless the offering has
started. Every status change of an enrolment is written to its history.

Mails state what the database says. Every change to an offering's seats or line (enrolment,
approval, decline, withdrawal, removal, promotion, more seats, cancellation, reminders) first takes
the offering's lock (`_lock_offering`), and a new place in line is later than every place given
before, so the line's order is the order of the locks. A figure in a mail (a waitlist position, the
dates) is read under that lock and therefore still holds when the transaction that decided it
commits, together with the mail row. We chose this over rendering figures at delivery: the mail
then states what was decided for the person (not what holds when the outbox runs), stays one row
written in the same transaction, and the lock also keeps a freed seat from being missed by an
enrolment that is being written at the same moment.

Qualification dates travel as calendar invitations (RFC 5546 iTIP): a person holds them exactly
while their enrolment has a seat (see `mail`).

One module per aggregate: `errors` (the refusals), `modules`, `offerings`, `enrolment`, `seats`
(the offering's lock, seats and waitlist), `completion` (attendance, completion, certificates) and
`mail`. The reads live in `lms.module.standing` (a person's places and completions) and
`lms.module.queries`, the scheduled work (closing registrations, date reminders) in `lms.module.tasks`. This package re-exports the names
its callers use, so `services.enrol(...)` keeps working.
"""
from lms.errors import DomainError
from lms.ical import BERLIN
from lms.module.models import Module, Offering
from lms.module.queries import (
    attendance_map,
    certificate_by_number,
    certificate_by_token,
    completions_of,
    modules_using,
    required_dates,
)
from lms.module.services.completion import record_attendance
from lms.module.services.enrolment import (
    admit,
    approve_request,
    cancel_enrolment,
    check_can_enrol,
    decline_request,
    enrol,
    may_request_admission,
    remove_participant,
    request_admission,
)
from lms.module.services.errors import (
    AlreadyEnrolled,
    AlreadyInModule,
    InvalidDates,
    NotInTargetGroup,
    PrerequisitesMissing,
    RegistrationClosed,
)
from lms.module.services.mail import INVITATION_TEMPLATES
from lms.module.services.modules import (
    MODULE_TRANSITIONS,
    ModuleInput,
    create_module,
    search_lines,
    set_module_state,
    update_module,
)
from lms.module.services.offerings import (
    DateChanges,
    DateInput,
    OfferingInput,
    cancel_offering,
    create_offering,
    open_registration,
    update_offering,
)
from lms.module.services.seats import QUEUE_STEP
from lms.module.standing import (
    admitted_offering_ids,
    completed_module_ids,
    completions_for,
    enrolment_for,
    is_admitted,
    missing_prerequisites,
    modules_in_progress,
    other_place_in_module,
    units_by_dimension,
    waitlist_position,
)

__all__ = [
    # names the callers (and tests) have always found here
    "BERLIN", "DomainError", "Module", "Offering",
    # errors
    "AlreadyEnrolled", "AlreadyInModule", "InvalidDates", "NotInTargetGroup", "PrerequisitesMissing",
    "RegistrationClosed",
    # modules
    "MODULE_TRANSITIONS", "ModuleInput", "create_module", "search_lines", "set_module_state", "update_module",
    # offerings
    "DateChanges", "DateInput", "OfferingInput", "cancel_offering", "create_offering", "open_registration",
    "update_offering",
    # enrolment, seats
    "QUEUE_STEP", "admit", "approve_request", "cancel_enrolment", "check_can_enrol", "decline_request", "enrol",
    "may_request_admission", "remove_participant", "request_admission",
    # attendance, completion, certificates
    "record_attendance",
    # mail
    "INVITATION_TEMPLATES",
    # reads (lms.module.standing, lms.module.queries)
    "admitted_offering_ids", "attendance_map", "certificate_by_number", "certificate_by_token",
    "completed_module_ids", "completions_for", "completions_of", "enrolment_for", "is_admitted",
    "missing_prerequisites", "modules_in_progress", "modules_using", "other_place_in_module", "required_dates",
    "units_by_dimension", "waitlist_position",
]
