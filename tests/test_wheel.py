"""The built wheel carries the templates, migrations and translations and renders a page."""
import subprocess
import sys
import sysconfig
import textwrap
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
