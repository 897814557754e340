"""Run-failure notifications: when a run of this code location fails, the ``run_failure_alert``
sensor sends a message by e-mail (SMTP) and/or to a webhook, so a failed night never goes
unnoticed. The published warehouse and scorecards stay those of the last successful build.

Settings, read from the environment each time the sensor evaluates (never at import):

=======================  ======================================================================
``TGXH_ALERT_WEBHOOK``   URL that receives a JSON ``POST`` (``text`` holds the whole message, as
                         Slack, Mattermost and Teams incoming webhooks expect; the other keys
                         give the run id, job, steps and errors)
``TGXH_SMTP_HOST``       SMTP server; e-mail is sent when it is set, with:
``TGXH_SMTP_PORT``       port, default 25 (465: TLS from the start)
``TGXH_SMTP_FROM``       sender address (required with ``TGXH_SMTP_HOST``)
``TGXH_SMTP_TO``         recipients, separated by commas (required with ``TGXH_SMTP_HOST``)
``TGXH_SMTP_STARTTLS``   ``1`` to upgrade the connection with STARTTLS (default on port 587)
``TGXH_SMTP_USER``       login, with ``TGXH_SMTP_PASSWORD``, when the server asks for one
``TGXH_DAGSTER_URL``     address of the Dagster UI, to link the run in the message
=======================  ======================================================================
"""

from __future__ import annotations

import json
import os
import smtplib
import ssl
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import getaddresses

import dagster as dg

TIMEOUT_SECONDS = 30
SENSOR_NAME = "run_failure_alert"


class AlertConfigError(ValueError):
    """An alert setting that cannot be right: the message names the variable and its value."""


class AlertDeliveryError(RuntimeError):
    """A configured channel could not deliver the message: one line per channel that failed."""


@dataclass(frozen=True)
class AlertSettings:
    """Where failure notifications go (see the module's table of variables)."""

    webhook: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str | None = None
    smtp_to: tuple[str, ...] = ()
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password: str | None = None
    ui_url: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AlertSettings:
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            return (env.get(name) or "").strip() or None

        webhook = get("TGXH_ALERT_WEBHOOK")
        if webhook and not webhook.lower().startswith(("http://", "https://")):
            raise AlertConfigError(f"TGXH_ALERT_WEBHOOK={webhook!r}: not an http:// or https:// address")
        port_text = get("TGXH_SMTP_PORT") or "25"
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise AlertConfigError(f"TGXH_SMTP_PORT={port_text!r}: not a port number (1-65535)")
        host = get("TGXH_SMTP_HOST")
        sender = get("TGXH_SMTP_FROM")
        recipients = tuple(address for _, address in getaddresses([get("TGXH_SMTP_TO") or ""]) if address)
        if host and not sender:
            raise AlertConfigError("TGXH_SMTP_FROM is not set: it is required with TGXH_SMTP_HOST")
        if host and not recipients:
            raise AlertConfigError(
                f"TGXH_SMTP_TO={get('TGXH_SMTP_TO') or ''!r}: no recipient address; it is required with TGXH_SMTP_HOST"
            )
        starttls = get("TGXH_SMTP_STARTTLS")
        if starttls not in (None, "0", "1"):
            raise AlertConfigError(f"TGXH_SMTP_STARTTLS={starttls!r}: expected 1 or 0")
        return cls(
            webhook=webhook,
            smtp_host=host,
            smtp_port=int(port_text),
            smtp_from=sender,
            smtp_to=recipients,
            smtp_starttls=starttls == "1" if starttls else int(port_text) == 587,
            smtp_user=get("TGXH_SMTP_USER"),
            smtp_password=env.get("TGXH_SMTP_PASSWORD"),
            ui_url=(get("TGXH_DAGSTER_URL") or "").rstrip("/") or None,
        )

    @property
    def channels(self) -> list[str]:
        """The configured channels, by name."""
        return [name for name, on in (("e-mail", self.smtp_host), ("webhook", self.webhook)) if on]


@dataclass(frozen=True)
class Alert:
    """A notification: its subject, its plain-text body and the same facts as data."""

    subject: str
    text: str
    facts: dict


def _first_line(text: str | None) -> str:
    return next((line.strip() for line in (text or "").splitlines() if line.strip()), "")


def root_cause(error) -> str:
    """The first line of the innermost error: the one raised by the project's code, not
    Dagster's wrapper around it."""
    while error.cause is not None:
        error = error.cause
    return _first_line(error.message)


def describe_failure(context: dg.RunFailureSensorContext, ui_url: str | None = None) -> Alert:
    """What failed, where and when, and what is still published."""
    run = context.dagster_run
    steps = []
    for event in context.get_step_failure_events():
        error = event.step_failure_data.error
        steps.append({"step": event.step_key, "error": root_cause(error) if error else ""})
    reason = steps[0]["error"] if steps else _first_line(context.failure_event.message)
    stats = context.instance.get_run_stats(run.run_id)
    last_success = context.instance.get_runs(
        filters=dg.RunsFilter(job_name=run.job_name, statuses=[dg.DagsterRunStatus.SUCCESS]), limit=1
    )
    facts = {
        "run_id": run.run_id,
        "job": run.job_name,
        "started": _when(stats.start_time),
        "ended": _when(stats.end_time),
        "failed_steps": steps,
        "error": reason,
        "tags": {k: v for k, v in run.tags.items() if k.startswith("tgxh/")},
        "last_successful_run": last_success[0].run_id if last_success else None,
        "link": f"{ui_url}/runs/{run.run_id}" if ui_url else None,
    }
    lines = [
        f"The run {run.run_id} of {run.job_name} failed.",
        f"Started {facts['started']}, ended {facts['ended']}.",
        "",
        *(f"Step {s['step']}: {s['error']}" for s in steps),
        *([] if steps else [f"Reason: {reason}"]),
        "",
        *(f"{k}: {v}" for k, v in facts["tags"].items()),
        "Nothing was published: the warehouse and the scorecards are those of the last successful build"
        + (f" (run {facts['last_successful_run']})." if last_success else " (there is none yet)."),
        *([f"Run: {facts['link']}"] if ui_url else []),
    ]
    return Alert(subject=f"[tgxh] {run.job_name} failed: {reason}"[:200], text="\n".join(lines), facts=facts)


def _when(timestamp: float | None) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if timestamp else "?"


def send_email(alert: Alert, settings: AlertSettings) -> None:
    """Send the alert to ``TGXH_SMTP_TO`` through ``TGXH_SMTP_HOST``."""
    message = EmailMessage()
    message["Subject"] = alert.subject
    message["From"] = settings.smtp_from
    message["To"] = ", ".join(settings.smtp_to)
    message.set_content(alert.text)
    if settings.smtp_port == 465:
        server = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_SECONDS,
                                  context=ssl.create_default_context())
    else:
        server = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_SECONDS)
    with server:
        if settings.smtp_starttls:
            server.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            server.login(settings.smtp_user, settings.smtp_password or "")
        server.send_message(message)


def post_webhook(alert: Alert, settings: AlertSettings) -> None:
    """POST the alert as JSON to ``TGXH_ALERT_WEBHOOK``."""
    body = json.dumps({"text": f"{alert.subject}\n\n{alert.text}", **alert.facts}, ensure_ascii=False).encode()
    request = urllib.request.Request(
        settings.webhook, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
        response.read()


def notify(alert: Alert, settings: AlertSettings) -> list[str]:
    """Send the alert through every configured channel; return the channels that delivered it.
    Every channel is tried; if one fails, ``AlertDeliveryError`` names each failure."""
    senders = {"e-mail": send_email, "webhook": post_webhook}
    sent, failures = [], []
    for channel in settings.channels:
        try:
            senders[channel](alert, settings)
        except (OSError, smtplib.SMTPException, urllib.error.URLError) as exc:
            target = settings.webhook if channel == "webhook" else f"{settings.smtp_host}:{settings.smtp_port}"
            failures.append(f"{channel} to {target} failed: {exc}")
        else:
            sent.append(channel)
    if failures:
        raise AlertDeliveryError("; ".join(failures) + (f" (sent by {', '.join(sent)})" if sent else ""))
    return sent


@dg.run_failure_sensor(
    name=SENSOR_NAME,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Notifies a failed run by e-mail (TGXH_SMTP_*) and/or webhook (TGXH_ALERT_WEBHOOK).",
)
def run_failure_alert(context: dg.RunFailureSensorContext):
    """Tell the operators that a run failed, through the channels configured at this moment."""
    settings = AlertSettings.from_env()
    if not settings.channels:
        return dg.SkipReason(
            f"run {context.dagster_run.run_id} failed; no alert channel configured "
            "(set TGXH_ALERT_WEBHOOK or TGXH_SMTP_HOST, TGXH_SMTP_FROM and TGXH_SMTP_TO)"
        )
    sent = notify(describe_failure(context, settings.ui_url), settings)
    context.log.info(f"run {context.dagster_run.run_id} failed: notified by {', '.join(sent)}")
