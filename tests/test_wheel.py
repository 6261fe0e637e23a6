"""The built wheel carries the templates, migrations, translations and the KERN UX assets: installed
into a fresh environment outside the checkout, `lms run` serves a styled page with no npm, and keeps
its instance folder outside the virtualenv."""
import os
import re
import socket
import subprocess
import sys
import sysconfig
import textwrap
import time
import urllib.request
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_installs_into_a_fresh_environment_and_renders_the_login_page(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", tmp_path, ROOT],
        check=True,
    )
    (wheel,) = tmp_path.glob("lms-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "lms/templates/base.html" in names
    assert "lms/translations/en/LC_MESSAGES/messages.mo" in names
    assert any(name.startswith("lms/migrations/versions/") for name in names)
    assert "lms/assets/kern/kern.min.css" in names and "lms/assets/kern/fonts/fira-sans.css" in names

    environment = tmp_path / "venv"
    venv.create(environment, with_pip=False)
    site_packages = next(environment.glob("lib/python*/site-packages"))
    # The fresh environment gets the wheel alone; its dependencies come from the running one.
    (site_packages / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", environment / "bin" / "python", "install", "--no-deps", "-q", wheel],
        check=True,
    )
    assert (environment / "bin" / "lms").exists()
    script = textwrap.dedent("""
        import lms
        assert "site-packages" in lms.__file__ and "venv" in lms.__file__, lms.__file__
        app = lms.create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
        page = app.test_client().get("/anmelden")
        assert page.status_code == 200, page.status_code
        assert "Anmelden" in page.get_data(as_text=True)
        english = app.test_client().get("/anmelden", headers={"Accept-Language": "en"})
        assert "Sign in" in english.get_data(as_text=True)
        print("rendered")
    """)
    result = subprocess.run(
        [environment / "bin" / "python", "-c", script], capture_output=True, text=True, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "rendered"

    # The console script, as an operator runs it: no LMS_* settings, no node_modules, HOME elsewhere.
    home = tmp_path / "home"
    env = {name: value for name, value in os.environ.items() if not name.startswith(("LMS_", "XDG_"))}
    env["HOME"] = str(home)
    lms_command = environment / "bin" / "lms"
    subprocess.run([lms_command, "db", "upgrade"], check=True, cwd=tmp_path, env=env, capture_output=True)
    instance = home / ".local" / "share" / "lms"
    assert (instance / "lms.sqlite").is_file() and (instance / "secret_key").is_file()
    assert not list(environment.rglob("lms.sqlite")) and not list(environment.rglob("secret_key"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([lms_command, "run", "--port", str(port), "--no-scheduler"], cwd=tmp_path, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        page = _fetch(f"http://127.0.0.1:{port}/anmelden")
        stylesheet = re.search(r'href="(/assets/kern/kern\.min\.css\?v=\w+)"', page.read().decode()).group(1)
        css = _fetch(f"http://127.0.0.1:{port}{stylesheet}")
        assert css.status == 200 and css.headers["Content-Type"].startswith("text/css")
        assert b".kern-" in css.read()
        assert "immutable" in css.headers["Cache-Control"]
    finally:
        server.terminate()
        server.wait(timeout=10)


def _fetch(url: str, attempts: int = 100):
    for _ in range(attempts):
        try:
            return urllib.request.urlopen(url, timeout=5)
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer")
