"""What the network's entries share: who keeps a region's entries, the kept entry with its owner and
"zuletzt bestätigt", who sees a field, and phone numbers as links."""
import re
from datetime import datetime, timedelta
from enum import StrEnum

from lms.auth.models import Role, User
from lms.i18n import _l


def tel_of(phone: str) -> str:
    """A phone number as a tel: link takes it: digits, and a leading +."""
    return ("+" if phone.strip().startswith("+") else "") + re.sub(r"\D", "", phone)


class Kept:
    """An entry someone keeps: its owner last saved or confirmed it on `confirmed_at` ("zuletzt
    bestätigt"), `reminded_at` says the owner was asked to confirm it (once per confirmation), and
    `keeper_region_ids` whose coordinators are asked when the owner has left (lms/netzwerk/upkeep.py)."""

    def is_due(self, now: datetime, *, after: timedelta) -> bool:
        """Not confirmed for *after*: time to ask its owner."""
        return self.confirmed_at + after <= now

    def is_unconfirmed(self, now: datetime, *, after: timedelta, grace: timedelta) -> bool:
        """Not confirmed for longer than *after* plus the *grace* its owner had to answer the reminder."""
        return self.confirmed_at + after + grace <= now

    def mark_confirmed(self, actor: User, now: datetime) -> None:
        """Saved or confirmed by *actor*, who becomes its owner; a later reminder may be sent again."""
        self.owner_id, self.confirmed_at, self.reminded_at, self.updated_at = actor.id, now, None, now


# Who maintains a region's numbers: admins every region's, coordinators their own region's.
KEEPER_ROLES = (Role.ADMIN, Role.COORDINATOR)



def keeps_region(user, region_id: int | None) -> bool:
    """Admins keep every region's entries, coordinators their own region's."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.has_role(Role.ADMIN) or (
        user.has_role(Role.COORDINATOR) and region_id is not None and user.region_id == region_id)


class Visibility(StrEnum):
    """Who sees an institution, or one field of a contact."""

    PUBLIC = "public"  # anyone, without signing in
    MEMBERS = "members"  # everyone signed in
    INTERNAL = "internal"  # the region's keepers and the institution's own people


VISIBILITY_LABELS = {
    Visibility.PUBLIC: _l("Öffentlich"),
    Visibility.MEMBERS: _l("Angemeldete"),
    Visibility.INTERNAL: _l("Netzwerkintern"),
}

