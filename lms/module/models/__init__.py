"""The qualification's models, one module per aggregate; importing this package declares them all.

`modules` (a module, its audiences, trainers, prerequisites, materials), `offerings` (an offering and
its dates), `enrolment` (places, their history, admission, attendance) and `completion` (completions
and certificates). Callers import from `lms.module.models`.
"""
from lms.module.models.completion import (  # noqa: F401
    Certificate,
    Completion,
)
from lms.module.models.enrolment import (  # noqa: F401
    ACTIVE_STATUSES,
    PARTICIPANT_ROLES,
    STATUS_LABELS,
    Admission,
    Attendance,
    Enrolment,
    EnrolmentEvent,
    EnrolmentStatus,
)
from lms.module.models.modules import (  # noqa: F401
    AUDIENCE_COORDINATOR,
    AUDIENCE_EXPERT,
    AUDIENCE_LABELS,
    MODULE_STATE_LABELS,
    Module,
    ModuleAudience,
    ModuleState,
    audiences_of,
    module_material,
    module_prerequisite,
    module_trainer,
)
from lms.module.models.offerings import (  # noqa: F401
    MANAGER_ROLES,
    PHASE_LABELS,
    Offering,
    OfferingDate,
    OfferingPhase,
    OfferingState,
    offering_trainer,
)
