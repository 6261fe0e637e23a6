"""deploy/nginx/lms-locations.conf in front of gunicorn, as the data centre runs them: the app decides
who gets a file and nginx sends the bytes (X-Accel-Redirect) with the app's headers; the internal
location is not reachable from outside; the request id is nginx's, in the app's response too.
Needs Debian's nginx (`.ci/run` installs nginx-light)."""
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def _wait(url: str, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not start") from None
            time.sleep(0.2)


@pytest.fixture(scope="module")
def behind_nginx(tmp_path_factory):
    """The demo installation served by gunicorn, behind nginx with the shipped locations (once for
    this module); yields nginx's address, the SQLite file and the file directory."""
    tmp_path = tmp_path_factory.mktemp("nginx")
    assert os.path.exists(NGINX), "nginx is not installed (Debian: apt-get install nginx-light)"
    files, database = tmp_path / "files", tmp_path / "lms.sqlite"
    app_port, web_port = free_port(), free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("LMS_")}
    env.update(LMS_INSTANCE_PATH=str(tmp_path / "instance"), LMS_DATABASE_URL=f"sqlite:///{database}",
               LMS_FILE_STORAGE_DIR=str(files), LMS_FILE_ACCEL="nginx", LMS_PROXY_HOPS="1")
    lms = str(Path(sys.executable).parent / "lms")
    for command in (["db", "upgrade"], ["demo"]):
        subprocess.run([lms, *command], env=env, check=True, capture_output=True, timeout=300)
    app = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "--workers", "1", "--bind",
                            f"127.0.0.1:{app_port}", "lms.wsgi:app"], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    locations = (ROOT / "deploy/nginx/lms-locations.conf").read_text()
    assert "proxy_pass http://127.0.0.1:8000;" in locations and "alias /var/lib/lms/files/;" in locations
    locations = locations.replace("127.0.0.1:8000", f"127.0.0.1:{app_port}").replace(
        "/var/lib/lms/files/", f"{files}/")
    (tmp_path / "logs").mkdir()
    (tmp_path / "nginx.conf").write_text(f"""
{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/logs/error.log;
events {{ worker_connections 64; }}
http {{
    access_log {tmp_path}/logs/access.log;
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    server {{
        listen 127.0.0.1:{web_port};
        {locations}
    }}
}}
""")
    web = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait(f"http://127.0.0.1:{app_port}/healthz", app, "gunicorn")
        _wait(f"http://127.0.0.1:{web_port}/healthz", web, "nginx")
        yield f"http://127.0.0.1:{web_port}", database, files
    finally:
        for process in (web, app):
            process.terminate()
            process.wait(timeout=20)


def _public_file(database: Path) -> tuple[str, str, str]:
    with sqlite3.connect(database) as connection:
        instrument_id, number, digest = connection.execute("""
            SELECT v.instrument_id, v.number, v.file_sha256 FROM instrument_version v
            JOIN instrument i ON i.id = v.instrument_id
            WHERE v.file_sha256 IS NOT NULL AND i.visibility = 'public' AND i.state = 'published'
              AND v.proposal_state IS NULL
            ORDER BY v.instrument_id, v.number LIMIT 1""").fetchone()
    return f"/instrumente/{instrument_id}/versionen/{number}/datei", digest, f"{digest[:2]}/{digest[2:4]}/{digest}"


def test_nginx_sends_the_file_the_app_allowed_with_the_apps_headers(behind_nginx):
    base, database, files = behind_nginx
    path, digest, relative = _public_file(database)
    with urllib.request.urlopen(base + path, timeout=10) as response:
        body, headers = response.read(), response.headers
    assert body == (files / relative).read_bytes() and len(body) > 100
    assert headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"].startswith("attachment; filename=")
    assert headers["Cache-Control"] == "public, max-age=3600"
    assert "X-Accel-Redirect" not in headers and "X-Sendfile" not in headers


def test_the_app_takes_nginx_s_request_id(behind_nginx):
    base, _database, _files = behind_nginx
    with urllib.request.urlopen(base + "/anmelden", timeout=10) as response:
        assert response.status == 200
        assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])  # nginx's $request_id


def test_the_internal_location_and_hidden_files_stay_closed(behind_nginx):
    base, database, _files = behind_nginx
    _path, _digest, relative = _public_file(database)
    for path in (f"/_dateien/{relative}", "/metrics", "/instrumente/999999/versionen/1/datei"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(base + path, timeout=10)
        assert refused.value.code in (403, 404), path
