"""The benchmarks' server: an app spec under gunicorn (2 sync workers) on a loopback port."""
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager


@contextmanager
def served(app_spec: str, port: int, env: dict, cwd: str):
    """Serve *app_spec* from *cwd* with *env* added, until the block ends; wait until it accepts."""
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning", app_spec],
        env={**os.environ, **env}, cwd=cwd)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        process.terminate()
        raise RuntimeError(f"server on {port} did not start")
    try:
        yield
    finally:
        process.terminate()
        process.wait()
