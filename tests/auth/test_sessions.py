"""Signing out ends the session on the server: a copy of the cookie taken before dies with it."""
from datetime import timedelta

from sqlalchemy import func, select

from lms.auth import services
from lms.auth.models import LoginSession
from lms.extensions import db
from tests.conftest import FIXED_NOW, PASSWORD, login_as


def _sign_in(client, user, *, remember=False):
    data = {"email": user.email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/anmelden", data=data)
    assert response.status_code == 302
    return response


def _copy_cookies(source, target):
    for cookie in source._cookies.values():
        target.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)


def _session_count(user) -> int:
    return db.session.scalar(select(func.count()).select_from(LoginSession).where(LoginSession.user_id == user.id))


def test_a_copied_session_cookie_dies_at_sign_out(app, client, create_user):
    user = create_user("coordinator")
    _sign_in(client, user)
    thief = app.test_client()
    _copy_cookies(client, thief)
    assert thief.get("/konto").status_code == 200

    client.post("/abmelden")

    assert client.get("/konto").status_code == 302
    assert thief.get("/konto").status_code == 302  # to the sign-in page: the copied cookie is dead
    assert _session_count(user) == 0


def test_a_copied_remember_cookie_dies_at_sign_out(app, client, create_user):
    user = create_user("coordinator")
    _sign_in(client, user, remember=True)
    remember = client.get_cookie("remember_token")
    assert remember is not None
    client.post("/abmelden")

    thief = app.test_client()
    thief.set_cookie("remember_token", remember.value)
    assert thief.get("/konto").status_code == 302


def test_signing_out_ends_only_this_browser(app, client, create_user):
    user = create_user("coordinator")
    phone = app.test_client()
    _sign_in(client, user)
    _sign_in(phone, user)
    assert _session_count(user) == 2

    client.post("/abmelden")

    assert phone.get("/konto").status_code == 200
    assert _session_count(user) == 1


def test_a_cookie_of_the_old_format_without_key_is_refused(app, client, create_user):
    user = create_user("coordinator")
    with client.session_transaction() as session:
        session["_user_id"] = f"{user.id}:{user.session_stamp}"
        session["_fresh"] = True
    assert client.get("/konto").status_code == 302


def test_a_forged_key_for_another_users_session_is_refused(app, client, create_user):
    victim, attacker = create_user("admin"), create_user("partner")
    login_as(client, attacker)
    key = attacker.login_key
    with client.session_transaction() as session:
        session["_user_id"] = f"{victim.id}:{victim.session_stamp}:{key}"
    assert client.get("/verwaltung/konten").status_code == 302


def test_a_password_change_keeps_this_browser_and_ends_the_others(app, client, create_user):
    user = create_user("coordinator")
    other = app.test_client()
    _sign_in(client, user)
    _sign_in(other, user)

    response = client.post("/konto/passwort", data={
        "password-current": PASSWORD, "password-password": "Neues-Passwort-99", "password-confirm": "Neues-Passwort-99",
    })

    assert response.status_code == 302
    assert client.get("/konto").status_code == 200
    assert other.get("/konto").status_code == 302


def test_sessions_end_after_the_maximum_age_and_are_purged(app, client, create_user):
    user = create_user("coordinator")
    login_as(client, user)
    row = db.session.scalar(select(LoginSession).where(LoginSession.user_id == user.id))
    row.created_at = FIXED_NOW - timedelta(days=app.config["SESSION_MAX_AGE_DAYS"], minutes=1)
    fresh = services.start_session(user, now=FIXED_NOW)
    db.session.commit()

    assert client.get("/konto").status_code == 302
    assert services.purge_login_sessions(now=FIXED_NOW) == 1
    db.session.commit()
    assert services.session_user(f"{user.id}:{user.session_stamp}:{fresh}", now=FIXED_NOW) is not None


def test_deleting_a_user_deletes_their_sessions(app, create_user):
    user = create_user("coordinator")
    services.start_session(user, now=FIXED_NOW)
    db.session.commit()
    db.session.delete(user)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 0


def test_hsts_only_under_an_https_base_url(app, client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    app.config["BASE_URL"] = "https://lms.example.org"
    assert client.get("/").headers["Strict-Transport-Security"] == "max-age=31536000"
    app.config["HSTS_MAX_AGE"] = 0
    assert "Strict-Transport-Security" not in client.get("/").headers
