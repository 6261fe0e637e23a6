"""The network's models, one module per aggregate: `common` (who keeps a region's entries, the kept
entry, visibility), `emergency` (numbers and their weekly windows), `directory` (institutions, their
people, binding contacts and proposals), `agreements` (cooperation agreements with parties,
versions and files) `bodies` (Gremien, their seats and meetings) and `minutes` (a meeting's agenda items, attendance,
minutes, decisions and tasks). Everything is importable from here."""
from lms.netzwerk.models.agreements import (  # noqa: F401
    AGREEMENT_MOVES,
    AGREEMENT_STATE_LABELS,
    Agreement,
    AgreementFile,
    AgreementParty,
    AgreementState,
    AgreementVersion,
    add_months,
)
from lms.netzwerk.models.bodies import (  # noqa: F401
    BODY_KIND_LABELS,
    REPLY_LABELS,
    Body,
    BodyKind,
    BodyMember,
    Meeting,
    MeetingReply,
    MeetingState,
    ReplyAnswer,
)
from lms.netzwerk.models.common import KEEPER_ROLES, VISIBILITY_LABELS, Kept, Visibility, keeps_region, tel_of  # noqa: F401
from lms.netzwerk.models.directory import (  # noqa: F401
    INSTITUTION_KIND_LABELS,
    PROPOSED_FIELDS,
    BindingContact,
    Institution,
    InstitutionKind,
    InstitutionProposal,
    ProposalState,
    institution_member,
    institution_region,
    institutions_serving,
)
from lms.netzwerk.models.emergency import (  # noqa: F401
    EMERGENCY_KIND_LABELS,
    EXCLUSIVE_KINDS,
    EmergencyKind,
    EmergencyNumber,
    EmergencyWindow,
)
from lms.netzwerk.models.minutes import (  # noqa: F401
    MINUTES_STATE_LABELS,
    TASK_STATE_LABELS,
    AgendaItem,
    Decision,
    MeetingAttendance,
    Minutes,
    MinutesRemark,
    MinutesState,
    RemarkKind,
    Task,
    TaskState,
)
