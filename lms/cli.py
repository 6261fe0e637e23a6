"""The `lms` command: Flask's commands plus run, demo, create-user and scheduler."""
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, routes_command, shell_command, with_appcontext

from lms import create_app
from lms.auth import demo as auth_demo
from lms.auth.models import Role, Sector
from lms.auth.services import create_user, get_region
from lms.beratung import demo as consultation_demo
from lms.config import ConfigError, stop
from lms.db import utcnow
from lms.errors import DomainError
from lms.extensions import db
from lms.instrumente import demo as instrument_demo
from lms.kompetenzen import demo as competence_demo
from lms.module import demo as module_demo
from lms.netzwerk import demo as network_demo

# Each package's demo seeder, in dependency order.
DEMO_SEEDERS = (auth_demo.seed, instrument_demo.seed, module_demo.seed, competence_demo.seed,
                consultation_demo.seed, network_demo.seed, network_demo.seed_directory,
                network_demo.seed_agreements, network_demo.seed_bodies)


def _create_app():
    try:
        return create_app()
    except ConfigError as error:
        stop(error, 2)


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False, add_version_option=False)
def main():
    """lms – Netzwerke für Kinderschutz."""


main.add_command(routes_command)
main.add_command(shell_command)


@main.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--scheduler/--no-scheduler", default=True, show_default=True, help="Run the periodic jobs in this process.")
@with_appcontext
def run_command(host: str, port: int, scheduler: bool):
    """Start the development server (with an embedded scheduler)."""
    from werkzeug.serving import run_simple

    from lms.scheduler import start_embedded

    app = current_app._get_current_object()
    if scheduler:
        start_embedded(app)
    click.echo(f"lms läuft auf http://{host}:{port}/  (Beenden mit Strg+C)")
    run_simple(host, port, app, threaded=True)


@main.command("scheduler")
@with_appcontext
def scheduler_command():
    """Run the periodic jobs (the production worker process)."""
    import signal
    import threading

    from lms.scheduler import run_forever

    app = current_app._get_current_object()
    stop = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop.set())  # finish cleanly: hand the lease over at once
    click.echo("lms scheduler gestartet")
    run_forever(app, stop)


@main.command("check-config")
@with_appcontext
def check_config_command():
    """Print the effective settings, secrets masked (wrong ones stop before this, one line each)."""
    from lms.config import OIDC_FIELDS, SETTINGS, masked

    app = current_app._get_current_object()
    click.echo(f"{'LMS_INSTANCE_PATH':<42} {app.instance_path}")
    for name, setting in SETTINGS.items():
        click.echo(f"{'LMS_' + name:<42} {masked(setting, app.config.get(setting.key))}")
    for provider in app.config["OIDC_PROVIDERS"]:
        for field, setting in OIDC_FIELDS.items():
            value = app.config["OIDC"].get(provider, {}).get(setting.key)
            click.echo(f"{f'LMS_OIDC_{provider.upper()}_{field}':<42} {masked(setting, value)}")
    click.echo("Die Einstellungen sind gültig.")


@main.command("demo")
@with_appcontext
def demo_command():
    """Add demo data; running it again changes nothing."""
    now = utcnow()
    logins = []
    for seed in DEMO_SEEDERS:
        logins.extend(seed(now=now) or [])
    db.session.commit()
    click.echo(f"Demo-Daten sind angelegt. Anmeldungen (Passwort für alle: {auth_demo.DEMO_PASSWORD}):")
    for email, roles in logins:
        click.echo(f"  {email:<34} {roles}")


@main.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", "roles", required=True, multiple=True, type=click.Choice([r.value for r in Role]))
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--region-id", type=int, default=None)
@click.option("--sector", type=click.Choice([s.value for s in Sector]), default=None)
@with_appcontext
def create_user_command(email, name, roles, password, region_id, sector):
    """Create an account (e.g. the first admin)."""
    if len(password) < 10:
        raise click.BadParameter("Das Passwort muss mindestens 10 Zeichen lang sein.", param_hint="--password")
    try:
        user = create_user(
            email=email, name=name, roles=list(roles), password=password, region=get_region(region_id),
            sector=sector, now=utcnow(),
        )
    except DomainError as error:
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(f"Konto {user.email} angelegt ({', '.join(sorted(user.roles))}).")


@main.group("case-key")
def case_key_group():
    """Master keys of case content (lms/sealing.py, docs/privacy.md)."""


@case_key_group.command("new")
def case_key_new_command():
    """Print a new master key, for LMS_CASE_KEY."""
    from lms import sealing

    click.echo(sealing.encode_key(sealing.new_key()))


@case_key_group.command("rotate")
@with_appcontext
def case_key_rotate_command():
    """Wrap every case's data key with a new master key and retire the old ones.

    With instance/case_key: a new key is added in front, the data keys are rewrapped, and keys no data
    key needs any more leave the file. With LMS_CASE_KEY: put the new key first (lms case-key new),
    keep the old ones behind it until this command says they are unused, then remove them.
    """
    from lms import sealing
    from lms.beratung.services import cases

    path = sealing.key_file(current_app.instance_path)
    from_file = not current_app.config.get("CASE_KEY")
    if from_file:
        old = sealing.keyring().keys
        sealing.write_key_file(path, (sealing.new_key(), *old))
    rewrapped = cases.rewrap_case_keys()
    db.session.commit()
    in_use = cases.master_keys_in_use()
    ring = sealing.keyring()
    retired = [key for key in ring.keys[1:] if sealing.key_id(key) not in in_use]
    if from_file:
        sealing.write_key_file(path, tuple(key for key in ring.keys if key not in retired))
    click.echo(f"{rewrapped} data keys rewrapped with master key {ring.current_id}.")
    for key in retired:
        click.echo(f"master key {sealing.key_id(key)} " + ("destroyed." if from_file else "is unused: remove it from LMS_CASE_KEY."))


@main.command("backup")
@click.argument("target", type=click.Path(file_okay=False, path_type=Path))
@click.option("--keys", is_flag=True, help="Also write the secret key and the case keys (keys.json): keep it apart.")
@with_appcontext
def backup_command(target: Path, keys: bool):
    """Write the database, every stored file and a manifest into the new folder TARGET."""
    from lms import backup

    try:
        summary = backup.create(target, keys=keys)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"backup written to {target}: database, {summary.files} files" + (", keys" if keys else ""))
    if summary.missing:
        raise click.ClickException(f"{summary.missing} stored files are missing from the storage (see /readyz)")


@main.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds accounts.")
@with_appcontext
def restore_command(source: Path, force: bool):
    """Restore a backup written by `lms backup` (stop the app and the scheduler first), then upgrade
    its schema to this version."""
    import flask_migrate

    from lms import backup

    try:
        summary = backup.restore(source, force=force)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    flask_migrate.upgrade()
    click.echo(f"restored from {source}: database, {summary.files} files; schema upgraded")


@main.group("person")
def person_group():
    """A person's data on request and the erasure of an account (docs/privacy.md)."""


def _person(email: str):
    from lms.auth.services import find_user_by_email

    user = find_user_by_email(email)
    if user is None or user.erased_at is not None:
        raise click.ClickException(f"Kein Konto mit der Adresse {email}.")
    return user


@person_group.command("export")
@click.argument("email")
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None, help="Where to write the ZIP archive.")
@with_appcontext
def person_export_command(email: str, out: str | None):
    """Write everything stored about the person to a ZIP archive (Art. 15 and 20 DSGVO)."""
    from lms.datenschutz import export

    user, now = _person(email), utcnow()
    data = export.archive(None, user, now=now)
    db.session.commit()
    path = out or export.filename(user, now)
    with open(path, "wb") as handle:
        handle.write(data)
    click.echo(f"{path} geschrieben ({len(data)} Bytes).")


@person_group.command("erase")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Confirm: the erasure cannot be undone.")
@with_appcontext
def person_erase_command(email: str, yes: bool):
    """Erase the account by the rules (Art. 17 DSGVO)."""
    from lms.datenschutz import erasure

    if not yes:
        raise click.ClickException("Die Löschung lässt sich nicht rückgängig machen: mit --yes bestätigen.")
    user = _person(email)
    try:
        erasure.erase_account(None, user, now=utcnow())
    except DomainError as error:
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(f"Konto {user.id} gelöscht.")
