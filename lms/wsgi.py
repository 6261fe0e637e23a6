"""The WSGI application for gunicorn and other servers: `gunicorn lms.wsgi:app`.

Unusable settings end the worker with exit status 3, which gunicorn's arbiter reads as "worker
failed to boot" and stops, instead of starting it again and again.
"""
from lms import create_app
from lms.config import ConfigError, stop

try:
    app = create_app()
except ConfigError as error:
    stop(error, 3)
