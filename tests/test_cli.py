"""The `lms` command group."""
from sqlalchemy import func, select

from lms.auth.models import Region, User
from lms.auth.services import authenticate
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
