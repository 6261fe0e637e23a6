"""Prometheus metrics at /metrics (prometheus-client): requests by endpoint, method and status, their
latency, and from the database the outbox backlog and each scheduled job's runs and failures (the
jobs run in the scheduler process; the database is what every process shares).

The endpoint is off (404) unless LMS_METRICS_TOKEN (sent as `Authorization: Bearer <token>`) or
LMS_METRICS_ALLOW (addresses or networks, comma-separated, e.g. `10.0.0.0/8,127.0.0.1`) is set;
with both, either admits. Several gunicorn workers: set PROMETHEUS_MULTIPROC_DIR to an empty
folder per start (prometheus-client's multiprocess mode) so that every scrape sees all workers.
"""
import hmac
import ipaddress
import os
import time

from flask import Blueprint, Flask, Response, abort, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import select

from lms.db import utcnow
from lms.extensions import db
from lms.jobruns import JobRun
from lms.notifications.queries import backlog

bp = Blueprint("metrics", __name__)

REQUESTS = CollectorRegistry(auto_describe=True)
REQUEST_COUNT = Counter("lms_http_requests", "HTTP requests answered", ("endpoint", "method", "status"),
                        registry=REQUESTS)
REQUEST_SECONDS = Histogram("lms_http_request_duration_seconds", "Time to answer a request", ("endpoint",),
                            registry=REQUESTS)


class DatabaseCollector:
    """What every process shares, read at each scrape (two statements)."""

    def collect(self):
        count, oldest = backlog()
        yield GaugeMetricFamily("lms_outbox_backlog", "Mails waiting to be delivered", value=count)
        age = 0 if oldest is None else max(0.0, (utcnow() - oldest).total_seconds())
        yield GaugeMetricFamily("lms_outbox_oldest_age_seconds", "Age of the oldest undelivered mail", value=age)
        runs = CounterMetricFamily("lms_job_runs", "Runs of a scheduled job", labels=("job",))
        failures = CounterMetricFamily("lms_job_failures", "Failed runs of a scheduled job", labels=("job",))
        finished = GaugeMetricFamily("lms_job_last_finished_timestamp_seconds", "When the job last finished",
                                     labels=("job",))
        for row in db.session.scalars(select(JobRun).order_by(JobRun.name)):
            runs.add_metric((row.name,), row.runs)
            failures.add_metric((row.name,), row.failures)
            finished.add_metric((row.name,), row.finished_at.timestamp())
        yield from (runs, failures, finished)


def _admitted() -> bool:
    token, allowed = current_app.config["METRICS_TOKEN"], current_app.config["METRICS_ALLOW"]
    if not token and not allowed:
        abort(404)
    if token:
        sent = request.headers.get("Authorization", "")
        if hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            return True
    if allowed and request.remote_addr:
        address = ipaddress.ip_address(request.remote_addr)
        return any(address in network for network in allowed)
    return False


@bp.get("/metrics")
def metrics():
    if not _admitted():
        abort(403)
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_InProcess())
    registry.register(DatabaseCollector())
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST,
                    headers={"Cache-Control": "no-store"})


class _InProcess:
    """This process's request metrics, when it is the only one."""

    def collect(self):
        yield from REQUESTS.collect()


def init_metrics(app: Flask) -> None:
    """Count each answer; its latency from the clock lms/requestlog.py starts for the request's line."""

    @app.after_request
    def _count(response):
        endpoint = request.endpoint or "none"  # unmatched addresses share one label
        REQUEST_COUNT.labels(endpoint, request.method, str(response.status_code)).inc()
        if (started := g.get("request_started")) is not None:
            REQUEST_SECONDS.labels(endpoint).observe(time.perf_counter() - started)
        return response
