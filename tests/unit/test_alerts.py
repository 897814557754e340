"""A failed run is notified by e-mail and by webhook, to servers on 127.0.0.1 (port 0)."""

import email
import json
import socketserver
import threading
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import pytest

from pipelines.alerts import (
    SENSOR_NAME,
    AlertConfigError,
    AlertDeliveryError,
    AlertSettings,
    run_failure_alert,
)
from pipelines.definitions import defs

ALERT_VARIABLES = ("TGXH_ALERT_WEBHOOK", "TGXH_SMTP_HOST", "TGXH_SMTP_PORT", "TGXH_SMTP_FROM", "TGXH_SMTP_TO",
                   "TGXH_SMTP_STARTTLS", "TGXH_SMTP_USER", "TGXH_SMTP_PASSWORD", "TGXH_DAGSTER_URL")


class _SmtpSink(socketserver.StreamRequestHandler):
    """The server side of an SMTP session, enough for smtplib: every message is kept."""

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 sink ready")
        envelope = {"to": []}
        while line := self.rfile.readline():
            command = line.decode().strip()
            verb = command.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.reply("250 sink")
            elif verb == "MAIL":
                envelope["from"] = command.split(":", 1)[1].strip(" <>")
            elif verb == "RCPT":
                envelope["to"].append(command.split(":", 1)[1].strip(" <>"))
            if verb == "DATA":
                self.reply("354 end with <CRLF>.<CRLF>")
                data = b""
                while (chunk := self.rfile.readline()) != b".\r\n":
                    data += chunk
                message = email.message_from_bytes(data.replace(b"\r\n", b"\n"), policy=policy.default)
                self.server.messages.append((envelope, message))
                envelope = {"to": []}
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                self.reply("250 ok")


class _Webhook(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.posts.append((self.headers["Content-Type"], json.loads(body)))
        self.send_response(self.server.status)
        self.end_headers()

    def log_message(self, *args):
        pass


def _serve(server):
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


@pytest.fixture
def smtp():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpSink)
    server.daemon_threads = True
    server.messages = []
    yield _serve(server)
    server.shutdown()
    server.server_close()


@pytest.fixture
def webhook():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Webhook)
    server.posts, server.status = [], 200
    yield _serve(server)
    server.shutdown()
    server.server_close()


@pytest.fixture
def env(monkeypatch):
    for name in ALERT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@dg.op
def load_files():
    raise ValueError("beneficiaries/b01.csv cannot be read")


@dg.job
def failing_build():
    load_files()


@pytest.fixture(scope="module")
def failure():
    """The sensor's context for a run that failed in a step, with its instance."""
    instance = dg.DagsterInstance.ephemeral()
    result = failing_build.execute_in_process(instance=instance, raise_on_error=False, tags={"tgxh/raw_dir": "/srv/raw"})
    assert not result.success
    return lambda: dg.build_run_status_sensor_context(
        sensor_name=SENSOR_NAME,
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        dagster_event=result.get_run_failure_event(),
    ).for_run_failure()


def test_the_sensor_is_in_the_code_location():
    assert defs.resolve_sensor_def(SENSOR_NAME).default_status == dg.DefaultSensorStatus.RUNNING


def test_a_failed_run_is_e_mailed(failure, smtp, env):
    env.setenv("TGXH_SMTP_HOST", "127.0.0.1")
    env.setenv("TGXH_SMTP_PORT", str(smtp.server_address[1]))
    env.setenv("TGXH_SMTP_FROM", "tgxh@so-ldtbxh.example")
    env.setenv("TGXH_SMTP_TO", "ops@so-ldtbxh.example, Trực ban <duty@so-ldtbxh.example>")
    env.setenv("TGXH_DAGSTER_URL", "http://tgxh.internal:3000/")
    context = failure()
    run_failure_alert(context)
    [(envelope, message)] = smtp.messages
    assert envelope == {"from": "tgxh@so-ldtbxh.example", "to": ["ops@so-ldtbxh.example", "duty@so-ldtbxh.example"]}
    assert message["Subject"].strip() == "[tgxh] failing_build failed: ValueError: beneficiaries/b01.csv cannot be read"
    body = message.get_content()
    run_id = context.dagster_run.run_id
    assert f"The run {run_id} of failing_build failed." in body
    assert "Step load_files: ValueError: beneficiaries/b01.csv cannot be read" in body
    assert "tgxh/raw_dir: /srv/raw" in body
    assert "last successful build (there is none yet)" in body
    assert f"Run: http://tgxh.internal:3000/runs/{run_id}" in body


def test_a_failed_run_is_posted_to_the_webhook(failure, webhook, env):
    env.setenv("TGXH_ALERT_WEBHOOK", f"http://127.0.0.1:{webhook.server_address[1]}/hooks/tgxh")
    context = failure()
    run_failure_alert(context)
    [(content_type, payload)] = webhook.posts
    assert content_type == "application/json; charset=utf-8"
    assert payload["run_id"] == context.dagster_run.run_id and payload["job"] == "failing_build"
    assert payload["failed_steps"] == [{"step": "load_files", "error": "ValueError: beneficiaries/b01.csv cannot be read"}]
    assert payload["text"].startswith("[tgxh] failing_build failed: ValueError")


def test_settings_are_read_when_the_sensor_runs_not_at_import(failure, webhook, env):
    context = failure()
    assert "no alert channel configured" in run_failure_alert(context).skip_message
    assert webhook.posts == []
    env.setenv("TGXH_ALERT_WEBHOOK", f"http://127.0.0.1:{webhook.server_address[1]}/")
    run_failure_alert(context)
    assert len(webhook.posts) == 1


def test_a_channel_that_fails_is_named_and_the_others_still_deliver(failure, smtp, webhook, env):
    webhook.status = 500
    env.setenv("TGXH_ALERT_WEBHOOK", f"http://127.0.0.1:{webhook.server_address[1]}/")
    env.setenv("TGXH_SMTP_HOST", "127.0.0.1")
    env.setenv("TGXH_SMTP_PORT", str(smtp.server_address[1]))
    env.setenv("TGXH_SMTP_FROM", "tgxh@so-ldtbxh.example")
    env.setenv("TGXH_SMTP_TO", "ops@so-ldtbxh.example")
    with pytest.raises(AlertDeliveryError, match=r"^webhook to http://127\.0\.0\.1:\d+/ failed: HTTP Error 500.*sent by e-mail"):
        run_failure_alert(failure())
    assert len(smtp.messages) == 1


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"TGXH_SMTP_HOST": "mail", "TGXH_SMTP_PORT": "smtp"}, "TGXH_SMTP_PORT='smtp': not a port number"),
        ({"TGXH_SMTP_HOST": "mail", "TGXH_SMTP_TO": "ops@x"}, "TGXH_SMTP_FROM is not set"),
        ({"TGXH_SMTP_HOST": "mail", "TGXH_SMTP_FROM": "t@x"}, "TGXH_SMTP_TO='': no recipient address"),
        ({"TGXH_ALERT_WEBHOOK": "hooks.example/x"}, "TGXH_ALERT_WEBHOOK='hooks.example/x': not an http"),
        ({"TGXH_SMTP_STARTTLS": "yes"}, "TGXH_SMTP_STARTTLS='yes': expected 1 or 0"),
    ],
)
def test_a_wrong_setting_is_named_with_its_value(variables, message):
    with pytest.raises(AlertConfigError, match="^" + message.replace("(", r"\(")):
        AlertSettings.from_env(variables)


def test_starttls_is_the_default_on_the_submission_port():
    base = {"TGXH_SMTP_HOST": "mail", "TGXH_SMTP_FROM": "t@x", "TGXH_SMTP_TO": "o@x"}
    assert AlertSettings.from_env({**base, "TGXH_SMTP_PORT": "587"}).smtp_starttls
    assert not AlertSettings.from_env(base).smtp_starttls
    assert AlertSettings.from_env({**base, "TGXH_SMTP_STARTTLS": "1"}).smtp_starttls
