"""Sign-in, sessions, throttling, links and the admin pages over HTTP."""
import pytest
from sqlalchemy import func, select

from lms.auth.models import Invitation, User
from lms.auth.services import make_reset_token
from lms.extensions import db
from lms.notifications.models import OutboxMessage
from tests.conftest import PASSWORD, login_as

WRONG = "E-Mail-Adresse oder Passwort ist nicht korrekt"


def _login(client, email, password=PASSWORD, **extra):
    return client.post("/anmelden", data={"email": email, "password": password, **extra})


def test_login_starts_a_session_and_shows_the_start_page(client, create_user):
    create_user("coordinator", email="k@example.org", name="Konstanze")
    response = _login(client, "K@Example.org")
    assert response.status_code == 302 and response.location == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Guten Tag, Konstanze" in page and "Netzwerkkoordination" in page


@pytest.mark.parametrize("email,password", [("k@example.org", "falsches-Passwort"), ("wer@example.org", PASSWORD)])
def test_failed_login_says_the_same_for_unknown_email_and_wrong_password(client, create_user, email, password):
    create_user(email="k@example.org")
    response = _login(client, email, password)
    assert response.status_code == 401
    assert WRONG in response.get_data(as_text=True)
    assert client.get("/konto").status_code == 302


def test_deactivated_account_cannot_log_in(client, create_user):
    create_user(email="weg@example.org", active=False)
    response = _login(client, "weg@example.org")
    assert response.status_code == 401 and WRONG in response.get_data(as_text=True)


def test_deactivation_ends_a_running_session(client, create_user):
    admin, user = create_user("admin"), create_user("partner")
    login_as(client, user)
    assert client.get("/konto").status_code == 200
    admin_client = client.application.test_client()
    login_as(admin_client, admin)
    response = admin_client.post(f"/verwaltung/konten/{user.id}", data={
        "name": user.name, "roles": ["partner"], "region": "", "sector": "youth_welfare", "organisation": "",
    })
    assert response.status_code == 302
    assert client.get("/konto").status_code == 302  # back to the sign-in page


def test_password_change_ends_other_sessions_but_keeps_this_one(client, app, create_user):
    user = create_user()
    other = app.test_client()
    login_as(client, user)
    login_as(other, user)
    response = client.post("/konto/passwort", data={
        "password-current": PASSWORD, "password-password": "Neues-Passwort-9", "password-confirm": "Neues-Passwort-9",
    })
    assert response.status_code == 302
    assert client.get("/konto").status_code == 200
    assert other.get("/konto").status_code == 302


def test_password_change_with_wrong_current_password_changes_nothing(client, create_user):
    user = create_user()
    login_as(client, user)
    old_hash = user.password_hash
    response = client.post("/konto/passwort", data={
        "password-current": "falsch-falsch", "password-password": "Neues-Passwort-9",
        "password-confirm": "Neues-Passwort-9",
    })
    assert response.status_code == 422
    assert "Das aktuelle Passwort ist nicht korrekt." in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.password_hash == old_hash


def test_short_or_mismatched_new_password_is_refused(client, create_user):
    login_as(client, create_user())
    page = client.post("/konto/passwort", data={
        "password-current": PASSWORD, "password-password": "kurz", "password-confirm": "anders",
    }).get_data(as_text=True)
    assert "zwischen 10 und 128 Zeichen" in page and "stimmen nicht überein" in page


def test_failed_logins_are_throttled_per_account(client, create_user):
    create_user(email="ziel@example.org")
    for _ in range(5):
        assert _login(client, "ziel@example.org", "falsch-falsch").status_code == 401
    response = _login(client, "ziel@example.org", PASSWORD)
    assert response.status_code == 429
    assert "Zu viele Anfragen" in response.get_data(as_text=True)
    assert _login(client, "andere@example.org", "falsch-falsch").status_code == 401


@pytest.mark.parametrize("app_config", [{"LOGIN_LIMIT_PER_ADDRESS": "3 per 15 minutes"}])
def test_failed_logins_are_throttled_per_address(client, create_user):
    for number in range(3):
        assert _login(client, f"p{number}@example.org", "falsch-falsch").status_code == 401
    assert _login(client, "p9@example.org", "falsch-falsch").status_code == 429


def test_successful_logins_do_not_count_towards_the_limit(client, create_user):
    create_user(email="oft@example.org")
    for _ in range(7):
        assert _login(client, "oft@example.org").status_code == 302
        client.post("/abmelden")


def test_login_ignores_foreign_next_targets(client, create_user):
    create_user(email="k@example.org")
    response = client.post("/anmelden?next=//evil.example/", data={"email": "k@example.org", "password": PASSWORD})
    assert response.location == "/"
    client.post("/abmelden")
    response = client.post("/anmelden?next=/konto", data={"email": "k@example.org", "password": PASSWORD})
    assert response.location == "/konto"


def test_overlong_email_is_a_form_error_not_a_server_error(client):
    response = _login(client, "a" * 300 + "@example.org")
    assert response.status_code == 200
    assert "höchstens 254 Zeichen" in response.get_data(as_text=True)


def test_overlong_name_is_refused_and_nothing_saved(client, create_user):
    user = create_user(name="Original")
    login_as(client, user)
    response = client.post("/konto", data={"profile-name": "x" * 121, "profile-locale": ""})
    assert response.status_code == 422 and "höchstens 120 Zeichen" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.name == "Original"


def test_logout_needs_post(client, create_user):
    login_as(client, create_user())
    assert client.get("/abmelden").status_code == 405
    assert client.post("/abmelden").status_code == 302
    assert client.get("/konto").status_code == 302


def test_reset_by_link_then_the_link_is_dead(client, create_user):
    user = create_user(email="vergessen@example.org")
    client.post("/passwort-vergessen", data={"email": "vergessen@example.org"})
    body = db.session.scalar(select(OutboxMessage.body))
    link = next(line for line in body.splitlines() if "/passwort-zuruecksetzen/" in line)
    path = link.replace("http://lms.test", "")
    assert client.get(path).status_code == 200
    response = client.post(path, data={"password": "Neu-und-sicher-1", "confirm": "Neu-und-sicher-1"})
    assert response.status_code == 302
    reused = client.get(path)
    assert reused.status_code == 400
    assert "ungültig oder wurde bereits verwendet" in reused.get_data(as_text=True)
    assert _login(client, user.email, "Neu-und-sicher-1").status_code == 302


def test_reset_request_answers_the_same_for_unknown_addresses(client, create_user):
    create_user(email="da@example.org")
    known = client.post("/passwort-vergessen", data={"email": "da@example.org"}, follow_redirects=True)
    unknown = client.post("/passwort-vergessen", data={"email": "nicht@example.org"}, follow_redirects=True)
    message = "Wenn ein Konto mit dieser Adresse besteht"
    assert message in known.get_data(as_text=True) and message in unknown.get_data(as_text=True)
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1


def test_expired_reset_link_is_refused_with_a_german_message(client, app, create_user):
    token = make_reset_token(create_user())
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    response = client.get(f"/passwort-zuruecksetzen/{token}")
    assert response.status_code == 400 and "Der Link ist abgelaufen" in response.get_data(as_text=True)


def test_admin_invites_and_the_invited_person_sets_up_the_account(client, app, create_user, create_region):
    admin = create_user("admin")
    region = create_region("Leipzig")
    login_as(client, admin)
    response = client.post("/verwaltung/einladungen", data={
        "email": "neu@example.org", "name": "Nora Neu", "roles": ["trainer", "expert"], "region": str(region.id),
        "sector": "",
    })
    assert response.status_code == 302
    mail = db.session.scalar(select(OutboxMessage))
    assert mail.recipient == "neu@example.org" and "Einladung" in mail.subject
    path = next(line for line in mail.body.splitlines() if "/einladung/" in line).replace("http://lms.test", "")
    invited = app.test_client()
    assert "Nora Neu" in invited.get(path).get_data(as_text=True)
    assert invited.post(path, data={"password": "Mein-Passwort-1", "confirm": "Mein-Passwort-1"}).status_code == 302
    assert "Guten Tag, Nora Neu" in invited.get("/").get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.email == "neu@example.org"))
    assert user.roles == {"trainer", "expert"} and user.region_id == region.id
    assert app.test_client().get(path).status_code == 400


def test_invitation_form_refuses_bad_input_and_saves_nothing(client, create_user):
    login_as(client, create_user("admin"))
    response = client.post("/verwaltung/einladungen", data={"email": "kein-email", "name": "", "sector": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "gültige E-Mail-Adresse" in page and "mindestens eine Rolle" in page and "einen Namen an" in page
    response = client.post("/verwaltung/einladungen", data={"email": "p@example.org", "name": "P", "roles": ["partner"]})
    assert "brauchen einen Sektor" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Invitation.id))) == 0


def test_unknown_region_id_is_refused(client, create_user):
    login_as(client, create_user("admin"))
    response = client.post("/verwaltung/einladungen", data={
        "email": "p@example.org", "name": "P", "roles": ["trainer"], "region": "999", "sector": "",
    })
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(Invitation.id))) == 0


ADMIN_PAGES = ["/verwaltung/konten", "/verwaltung/einladungen", "/verwaltung/regionen", "/verwaltung/konten/1"]


@pytest.mark.parametrize("path", ADMIN_PAGES)
@pytest.mark.parametrize("role", ["coordinator", "trainer", "partner", "expert"])
def test_admin_pages_are_forbidden_to_other_roles(client, create_user, path, role):
    login_as(client, create_user(role))
    response = client.get(path)
    assert response.status_code == 403
    assert "Zugriff verweigert" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ADMIN_PAGES + ["/konto"])
def test_pages_need_a_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response.location.startswith("/anmelden?next=")


def test_admin_changes_roles_region_and_sector(client, create_user, create_region):
    admin, user = create_user("admin"), create_user("coordinator")
    region = create_region("Vogtlandkreis")
    login_as(client, admin)
    response = client.post(f"/verwaltung/konten/{user.id}", data={
        "name": "Neuer Name", "roles": ["partner", "expert"], "region": str(region.id), "sector": "justice",
        "organisation": "Familiengericht", "active": "y",
    })
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.name, user.roles, user.region, user.sector, user.active) == (
        "Neuer Name", {"partner", "expert"}, region, "justice", True)


def test_admin_sees_german_message_when_locking_themselves_out(client, create_user):
    admin = create_user("admin")
    login_as(client, admin)
    response = client.post(f"/verwaltung/konten/{admin.id}", data={
        "name": admin.name, "roles": ["admin"], "region": "", "sector": "", "organisation": "",
    })
    assert "nicht selbst deaktivieren" in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.active


def test_user_list_filters_and_paginates_with_bounded_queries(client, create_user, count_queries):
    admin = create_user("admin", name="AAA Admin")
    for _ in range(5):
        create_user("partner")
    login_as(client, admin)
    with count_queries() as few:
        assert client.get("/verwaltung/konten").status_code == 200
    for _ in range(60):
        create_user("trainer")
    with count_queries() as many:
        page = client.get("/verwaltung/konten").get_data(as_text=True)
    assert len(many) == len(few)
    assert "Seite 1 von 3" in page
    filtered = client.get("/verwaltung/konten?rolle=partner").get_data(as_text=True)
    assert filtered.count("Netzwerkpartner*in</td>") == 5
    assert 'lms-filter-disclosure__active">: Netzwerkpartner*in</span>' in filtered
    assert "Derzeit sind keine passenden Konten vorhanden." in client.get("/verwaltung/konten?q=zzzz").get_data(
        as_text=True)


def test_the_account_search_takes_wildcards_literally(client, create_user):
    admin = create_user("admin", name="AAA Admin")
    create_user("partner", name="Maria Kurz", email="m_kurz@example.org")
    create_user("partner", name="Max Klein", email="max.klein@example.org")
    login_as(client, admin)
    for text in ("m_k", "_"):
        page = client.get(f"/verwaltung/konten?q={text}").get_data(as_text=True)
        assert "Maria Kurz" in page and "Max Klein" not in page
    page = client.get("/verwaltung/konten?q=%25").get_data(as_text=True)
    assert "Derzeit sind keine passenden Konten vorhanden." in page


def test_the_account_search_ignores_case_umlauts_included(client, create_user):
    admin = create_user("admin", name="AAA Admin")
    create_user("partner", name="Jana MÜLLER-Öztürk")
    create_user("partner", name="Max Muller")
    login_as(client, admin)
    for text in ("müller-ö", "MÜLLER-Ö", "Müller-Öz"):
        page = client.get("/verwaltung/konten", query_string={"q": text}).get_data(as_text=True)
        assert "Jana MÜLLER-Öztürk" in page and "Max Muller" not in page


@pytest.mark.parametrize("name", ["dresden", "Görlitz", "GÖRLITZ"])
def test_region_form_refuses_duplicates(client, create_user, create_region, name):
    create_region("Dresden")
    create_region("Görlitz")
    login_as(client, create_user("admin"))
    response = client.post("/verwaltung/regionen", data={"name": name, "kind": "city"})
    assert response.status_code == 422 and "gibt es bereits" in response.get_data(as_text=True)
    assert client.post("/verwaltung/regionen", data={"name": "Erzgebirgskreis", "kind": "district"}).status_code == 302


def test_start_page_shows_each_role_its_areas(client, create_user):
    login_as(client, create_user("admin"))
    assert "Benutzerverwaltung" in client.get("/").get_data(as_text=True)
    other = client.application.test_client()
    login_as(other, create_user("partner"))
    page = other.get("/").get_data(as_text=True)
    assert "Benutzerverwaltung" not in page and "Mein Konto" in page
    assert "buchen Fachberatung" in page


def test_revoking_an_invitation_asks_first_and_only_admins_may(client, create_user):
    from lms.auth import services
    from tests.conftest import FIXED_NOW

    admin = create_user("admin")
    invitation = services.invite(admin, email="nora@example.org", name="Nora Neu", roles=["partner"], region=None,
                                 sector="police", now=FIXED_NOW)
    db.session.commit()
    url = f"/verwaltung/einladungen/{invitation.id}/widerrufen"
    login_as(client, create_user("coordinator"))
    assert client.post(url).status_code == 403 and client.post(url, data={"bestaetigt": "1"}).status_code == 403
    login_as(client, admin)
    asked = client.post(url)
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Wirklich die Einladung widerrufen?" in page and "nora@example.org" in page
    assert "funktioniert sofort nicht mehr" in page
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).revoked_at is None
    assert client.post(url, data={"bestaetigt": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).revoked_at is not None
