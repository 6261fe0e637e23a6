"""The `lms` command group."""
from sqlalchemy import func, select

from lms.auth.models import Region, User
from lms.auth.services import authenticate
from lms.cli import main
from lms.extensions import db


def test_demo_creates_the_documented_logins_and_is_idempotent(app, now):
    runner = app.test_cli_runner()
    first = runner.invoke(main, ["demo"])
    assert first.exit_code == 0, first.output
    for email in ["admin@example.org", "koordination@example.org", "referentin@example.org", "partner@example.org",
                  "fachkraft@example.org"]:
        assert email in first.output
        assert authenticate(email, "Demo-Passwort-1", now=now) is not None
    counts = (db.session.scalar(select(func.count(User.id))), db.session.scalar(select(func.count(Region.id))))
    second = runner.invoke(main, ["demo"])
    assert second.exit_code == 0
    assert counts == (db.session.scalar(select(func.count(User.id))), db.session.scalar(select(func.count(Region.id))))
    assert counts == (5, 4)
    partner = db.session.scalar(select(User).where(User.email == "partner@example.org"))
    assert partner.sector == "youth_welfare" and partner.roles == {"partner"}


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
