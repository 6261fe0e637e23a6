"""The `lms` command group."""
from sqlalchemy import func, select

from lms.auth.models import Region, User
from lms.auth.services import authenticate
from lms.beratung import services as consultation_services
from lms.beratung.guard import find_identifiers
from lms.beratung.models import Absence, AvailabilityWindow, CaseAccess, CaseContent, Consultation, ExpertProfile
from lms.cli import main
from lms.extensions import db
from lms.module.models import Certificate, Enrolment, Module, Offering
from lms.module.services import completions_for


def test_demo_creates_the_documented_logins_and_is_idempotent(app, now):
    runner = app.test_cli_runner()
    first = runner.invoke(main, ["demo"])
    assert first.exit_code == 0, first.output
    for email in ["admin@example.org", "koordination@example.org", "referentin@example.org", "partner@example.org",
                  "fachkraft@example.org"]:
        assert email in first.output
        assert authenticate(email, "Demo-Passwort-1", now=now) is not None
    counts = _counts()
    second = runner.invoke(main, ["demo"])
    assert second.exit_code == 0, second.output
    assert _counts() == counts
    assert counts[1:3] == (4, 16)  # the four Saxon pilot sites and the starter catalogue
    partner = db.session.scalar(select(User).where(User.email == "partner@example.org"))
    assert partner.sector == "youth_welfare" and partner.roles == {"partner"}
    # Every demo account (modules', network's and experts' ones too) signs in with the one demo password.
    demo_emails = db.session.scalars(select(User.email).where(User.email.like("%@example.org"))).all()
    assert len(demo_emails) > 50
    assert all(authenticate(email, "Demo-Passwort-1", now=now) is not None for email in demo_emails)


def test_demo_adds_offerings_a_waitlist_and_certificates(app, now):
    assert app.test_cli_runner().invoke(main, ["demo"]).exit_code == 0
    assert db.session.scalar(select(func.count(Offering.id))) >= 32
    assert db.session.scalar(select(func.count(Enrolment.id)).where(Enrolment.status == "waitlisted")) >= 1
    coordinator = db.session.scalar(select(User).where(User.email == "koordination@example.org"))
    assert len(completions_for(coordinator)) == 2
    assert all(completion.certificate for completion in completions_for(coordinator))


def _counts():
    return tuple(db.session.scalar(select(func.count(model.id))) for model in (User, Region, Module, Offering,
                                                                              Enrolment, Certificate))


def test_demo_adds_experts_with_calendars_bookings_ahead_and_history(app, now, monkeypatch):
    monkeypatch.setattr("lms.cli.utcnow", lambda: now)  # the bookings are checked against the seed's now
    runner = app.test_cli_runner()
    first = runner.invoke(main, ["demo"])
    assert first.exit_code == 0, first.output
    for email in ("fachkraft.leipzig@example.org", "fachkraft.dresden@example.org"):
        assert email in first.output
        assert authenticate(email, "Demo-Passwort-1", now=now).roles == {"expert"}

    profiles = db.session.scalars(select(ExpertProfile)).all()
    assert len(profiles) == 3 and all(profile.published for profile in profiles)
    assert sorted(profile.slot_minutes for profile in profiles) == [45, 60, 90]
    assert sum(profile.auto_confirm for profile in profiles) == 1
    assert all(consultation_services.windows_of(profile.user) for profile in profiles)
    assert db.session.scalar(select(func.count(Absence.id))) == 1

    ahead = db.session.scalars(select(Consultation).where(Consultation.starts_at > now)).all()
    assert len(ahead) >= 4 and {booking.status for booking in ahead} == {"requested", "confirmed"}
    for booking in ahead:  # each lies in a real slot of its expert, and that slot is no longer free
        profile = consultation_services.profile_of(booking.expert)
        slot = consultation_services.check_slot(profile, booking.starts_at, now=now, ignore=booking)
        assert slot.ends_at == booking.ends_at
        free = consultation_services.next_free_slots(profile, now=now, limit=1000)
        assert booking.starts_at not in {free_slot.starts_at for free_slot in free}
        assert consultation_services.open_bookings_with(booking.booker, booking.expert, now=now) <= \
            app.config["CONSULTATION_MAX_OPEN_PER_EXPERT"]

    past = db.session.scalars(select(Consultation).where(Consultation.ends_at < now)).all()
    held = [booking for booking in past if booking.status == "completed"]
    assert len(held) >= 2 and any(booking.status == "cancelled" for booking in past)
    assert any((content := db.session.get(CaseContent, booking.id)) and content.outcome and content.result
               for booking in held)
    assert all(not find_identifiers(vignette) for vignette in (content.vignette for content in db.session.scalars(select(CaseContent))))

    counts = _consultation_counts()
    second = runner.invoke(main, ["demo"])
    assert second.exit_code == 0, second.output
    assert _consultation_counts() == counts


def _consultation_counts():
    return (*_counts(), *(db.session.scalar(select(func.count()).select_from(model)) for model in (
        ExpertProfile, AvailabilityWindow, Absence, Consultation, CaseContent, CaseAccess)))


def test_create_user(app, now):
    result = app.test_cli_runner().invoke(main, [
        "create-user", "--email", "Chefin@Example.org", "--name", "Chefin", "--role", "admin", "--role", "trainer",
        "--password", "Sehr-Geheim-123",
    ])
    assert result.exit_code == 0, result.output
    user = authenticate("chefin@example.org", "Sehr-Geheim-123", now=now)
    assert user.roles == {"admin", "trainer"}


def test_create_user_refuses_duplicates_and_short_passwords(app, create_user):
    create_user(email="da@example.org")
    runner = app.test_cli_runner()
    duplicate = runner.invoke(main, ["create-user", "--email", "DA@example.org", "--name", "X", "--role", "partner",
                                     "--password", "Sehr-Geheim-123"])
    assert duplicate.exit_code != 0 and "bereits ein Konto" in duplicate.output
    short = runner.invoke(main, ["create-user", "--email", "neu@example.org", "--name", "X", "--role", "partner",
                                 "--password", "kurz"])
    assert short.exit_code != 0 and "mindestens 10 Zeichen" in short.output
