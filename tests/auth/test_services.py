"""Account rules below HTTP."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.auth import services
from lms.auth.models import Invitation, User
from lms.errors import Conflict, PermissionDenied
from lms.extensions import db
from lms.notifications.models import OutboxMessage
from tests.conftest import FIXED_NOW, PASSWORD


def test_email_is_unique_regardless_of_case(create_user, now):
    create_user(email="Anna.Muster@Example.org")
    with pytest.raises(services.EmailTaken):
        services.create_user(email="anna.muster@EXAMPLE.org ", name="X", roles=["partner"], password=PASSWORD,
                             sector="health", now=now)
    assert db.session.scalar(select(User.email)) == "anna.muster@example.org"


def test_password_is_stored_as_scrypt_hash(create_user):
    user = create_user()
    assert user.password_hash.startswith("scrypt:")
    assert PASSWORD not in user.password_hash


def test_authenticate_accepts_any_case_of_the_email(create_user, now):
    user = create_user(email="case@example.org")
    assert services.authenticate("CASE@example.org", PASSWORD, now=now) == user
    assert user.last_login_at == now


@pytest.mark.parametrize("email,password", [("nobody@example.org", PASSWORD), ("known@example.org", "falsch-falsch")])
def test_authenticate_refuses_unknown_email_and_wrong_password_alike(create_user, now, email, password):
    create_user(email="known@example.org")
    assert services.authenticate(email, password, now=now) is None


def test_authenticate_refuses_deactivated_account(create_user, now):
    create_user(email="gone@example.org", active=False)
    assert services.authenticate("gone@example.org", PASSWORD, now=now) is None


def test_user_holds_several_roles(create_user):
    user = create_user(roles=["trainer", "expert"])
    assert user.roles == {"trainer", "expert"}
    assert user.has_role("expert") and not user.has_role("admin")


def test_unknown_role_is_refused(app, now):
    with pytest.raises(ValueError):
        services.create_user(email="x@example.org", name="X", roles=["superuser"], password=PASSWORD, now=now)


def test_change_password_checks_current_and_ends_other_sessions(create_user):
    user = create_user()
    stamp = user.session_stamp
    with pytest.raises(services.WrongPassword):
        services.change_password(user, current="nicht-richtig", new="Ganz-Neues-Passwort")
    assert user.session_stamp == stamp
    services.change_password(user, current=PASSWORD, new="Ganz-Neues-Passwort")
    assert user.session_stamp != stamp
    assert services.authenticate(user.email, "Ganz-Neues-Passwort", now=user.created_at) == user


def test_reset_token_works_once(create_user):
    user = create_user()
    token = services.make_reset_token(user)
    assert services.user_for_reset_token(token) == user
    services.reset_password(token, "Ein-Neues-Passwort")
    with pytest.raises(services.InvalidLink):
        services.reset_password(token, "Noch-Ein-Passwort")


def test_reset_token_expires(app, create_user):
    token = services.make_reset_token(create_user())
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    with pytest.raises(services.ExpiredLink):
        services.user_for_reset_token(token)


@pytest.mark.parametrize("token", ["", "abc", "eyJ1c2VyIjoxfQ.forged.signature"])
def test_reset_token_rejects_forgeries(app, token):
    with pytest.raises(services.InvalidLink):
        services.user_for_reset_token(token)


def test_reset_request_for_unknown_or_inactive_address_sends_nothing(create_user, now):
    create_user(email="inactive@example.org", active=False)
    services.request_password_reset("unknown@example.org", now=now)
    services.request_password_reset("inactive@example.org", now=now)
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def _token_from_outbox() -> str:
    body = db.session.scalars(select(OutboxMessage.body).order_by(OutboxMessage.id.desc())).first()
    link = next(line for line in body.splitlines() if "/einladung/" in line or "/passwort-zuruecksetzen/" in line)
    return link.rstrip().rsplit("/", 1)[1]


def test_invitation_creates_account_with_roles_region_and_sector(create_user, create_region, now):
    admin = create_user("admin")
    region = create_region("Vogtlandkreis")
    services.invite(admin, email="Neu@Example.org", name="Nina Neu", roles=["partner"], region=region,
                    sector="health", now=now)
    db.session.commit()
    user = services.accept_invitation(_token_from_outbox(), password=PASSWORD, now=now)
    assert (user.email, user.roles, user.region, user.sector) == ("neu@example.org", {"partner"}, region, "health")


def test_invitation_link_works_once(create_user, now):
    admin = create_user("admin")
    services.invite(admin, email="neu@example.org", name="N", roles=["trainer"], region=None, sector=None, now=now)
    token = _token_from_outbox()
    services.accept_invitation(token, password=PASSWORD, now=now)
    with pytest.raises(services.InvalidLink):
        services.accept_invitation(token, password=PASSWORD, now=now)


def test_invitation_link_expires(app, create_user, now):
    admin = create_user("admin")
    services.invite(admin, email="neu@example.org", name="N", roles=["trainer"], region=None, sector=None, now=now)
    later = now + timedelta(days=app.config["INVITATION_VALID_DAYS"], seconds=1)
    with pytest.raises(services.ExpiredLink):
        services.accept_invitation(_token_from_outbox(), password=PASSWORD, now=later)


def test_new_invitation_revokes_the_older_one(create_user, now):
    admin = create_user("admin")
    services.invite(admin, email="neu@example.org", name="N", roles=["trainer"], region=None, sector=None, now=now)
    first = _token_from_outbox()
    services.invite(admin, email="neu@example.org", name="N", roles=["expert"], region=None, sector=None, now=now)
    with pytest.raises(services.InvalidLink):
        services.accept_invitation(first, password=PASSWORD, now=now)
    assert services.accept_invitation(_token_from_outbox(), password=PASSWORD, now=now).roles == {"expert"}


def test_only_admins_invite(create_user, now):
    coordinator = create_user("coordinator")
    with pytest.raises(PermissionDenied):
        services.invite(coordinator, email="x@example.org", name="X", roles=["partner"], region=None,
                        sector="other", now=now)
    assert db.session.scalar(select(func.count(Invitation.id))) == 0


def test_invitation_for_existing_account_is_refused(create_user, now):
    admin = create_user("admin")
    create_user(email="da@example.org")
    with pytest.raises(services.EmailTaken):
        services.invite(admin, email="DA@example.org", name="X", roles=["partner"], region=None, sector="other",
                        now=now)


def test_deactivation_changes_the_session_stamp(create_user):
    admin, user = create_user("admin"), create_user("partner")
    stamp = user.session_stamp
    services.update_account(admin, user, name=user.name, roles=["partner"], region=None, sector="police",
                            organisation=None, active=False, now=FIXED_NOW)
    assert not user.is_active and user.session_stamp != stamp and user.sector == "police"


def test_admin_cannot_lock_themselves_out(create_user):
    admin = create_user("admin")
    with pytest.raises(Conflict):
        services.update_account(admin, admin, name="A", roles=["coordinator"], region=None, sector=None,
                                organisation=None, active=True, now=FIXED_NOW)
    with pytest.raises(Conflict):
        services.update_account(admin, admin, name="A", roles=["admin"], region=None, sector=None,
                                organisation=None, active=False, now=FIXED_NOW)


def test_non_admin_cannot_change_accounts(create_user):
    trainer, user = create_user("trainer"), create_user("partner")
    with pytest.raises(PermissionDenied):
        services.update_account(trainer, user, name="X", roles=["admin"], region=None, sector=None,
                                organisation=None, active=True, now=FIXED_NOW)


def test_region_names_are_unique_regardless_of_case(create_user):
    admin = create_user("admin")
    services.create_region(admin, name="Dresden", kind="city", now=FIXED_NOW)
    with pytest.raises(Conflict):
        services.create_region(admin, name="dresden ", kind="city", now=FIXED_NOW)


def test_parallel_acceptance_of_one_invitation_creates_one_account(app, create_user, now):
    admin = create_user("admin")
    services.invite(admin, email="race@example.org", name="R", roles=["partner"], region=None, sector="other",
                    now=now)
    db.session.commit()
    token = _token_from_outbox()
    outcomes, barrier = [], threading.Barrier(8)

    def accept():
        with app.app_context():
            barrier.wait()
            try:
                services.accept_invitation(token, password=PASSWORD, now=now)
                db.session.commit()
                outcomes.append("ok")
            except Exception as error:  # the losers: a domain error or a constraint violation
                db.session.rollback()
                outcomes.append(type(error).__name__)

    threads = [threading.Thread(target=accept) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ok") == 1, outcomes
    db.session.expire_all()
    assert db.session.scalar(select(func.count(User.id)).where(User.email == "race@example.org")) == 1


def test_create_user_takes_a_password_or_a_hash_made_before_but_not_both(app, now):
    with pytest.raises(TypeError):
        services.create_user(email="neither@example.org", name="Niemand", roles=["partner"], sector="youth_welfare", now=now)
    with pytest.raises(TypeError):
        services.create_user(email="both@example.org", name="Beide", roles=["partner"], sector="youth_welfare", now=now,
                             password=PASSWORD, password_hash=services.hash_password(PASSWORD))
    services.create_user(email="shared@example.org", name="Geteilt", roles=["partner"], sector="youth_welfare", now=now,
                         password_hash=services.hash_password(PASSWORD))
    assert services.authenticate("shared@example.org", PASSWORD, now=now) is not None
