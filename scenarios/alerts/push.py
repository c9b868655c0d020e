"""Pushing new alerts to the bureau that owns them: e-mail through SMTP and a webhook (JSON POST).

Where each bureau's alerts go is the watch file's ``[push.BUREAU]`` (``email``, ``webhook``)
and ``[smtp]`` (host, port, tls none/starttls/ssl, sender, optional login with the password in
an environment variable). Pushed text carries the alerts' messages, whose counts of people are
already shown through ``scenarios.privacy`` (small cells as "<10"); the webhook's numbers pass
the same suppression. A push that fails (a refusing server, a bad address) is one line naming
the setting; the alerts stay stored, and every push, sent or failed, is in the audit log.
"""

from __future__ import annotations

import json
import os
import smtplib
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage

import pandas as pd
from sqlalchemy.engine import Engine

from scenarios.alerts.rules import PushTarget, SmtpSettings, WatchFile
from scenarios.privacy import suppress
from scenarios.store import log

__all__ = ["PushReport", "alert_payload", "push_alerts", "send_email", "send_webhook"]

PAYLOAD_COLUMNS = (
    "alert_id", "bureau", "kind", "subject", "facility_id", "ds", "observed", "expected",
    "threshold", "score", "method", "severity", "state", "message",
)  # fmt: skip
WEBHOOK_TIMEOUT_S = 10.0


@dataclass
class PushReport:
    """What was pushed where (``lines``) and what failed (``failures``, one line each)."""

    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def _number(value):
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return value if isinstance(value, str) else float(value)


def alert_payload(alerts: pd.DataFrame, bureau: str) -> dict:
    """The webhook's JSON body: the bureau and its alerts, counts of people suppressed."""
    items = []
    for r in alerts.to_dict("records"):
        item = {c: r.get(c) for c in PAYLOAD_COLUMNS}
        for c in ("observed", "expected", "threshold"):
            item[c] = _number(suppress(r.get(c), r.get("unit") or ""))
        item["score"] = _number(r.get("score"))
        item["ds"] = None if pd.isna(r.get("ds")) else f"{pd.Timestamp(r['ds']):%Y-%m-%d}"
        item["alert_id"] = int(r["alert_id"])
        items.append(item)
    return {"source": "civicalloc", "bureau": bureau, "count": len(items), "alerts": items}


def email_text(alerts: pd.DataFrame, bureau: str) -> tuple[str, str]:
    """Subject and body of the e-mail to a bureau."""
    n = len(alerts)
    worst = "critical" if (alerts["severity"] == "critical").any() else "warning"
    subject = f"civicalloc: {n} new alert{'s' if n != 1 else ''} for {bureau} ({worst})"
    lines = [f"{n} new alert(s) for the {bureau} bureau:", ""]
    for r in alerts.to_dict("records"):
        lines.append(f"[{r['severity']}] #{r['alert_id']} {r['message']}")
    lines += ["", 'Acknowledge with: civicalloc alerts ack ID --note "..." (or in the app).']
    return subject, "\n".join(lines)


def send_email(settings: SmtpSettings, to: list[str], subject: str, body: str) -> None:
    """Send one plain-text e-mail; raises OSError / smtplib.SMTPException on failure."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = settings.sender, ", ".join(to), subject
    msg.set_content(body)
    context = ssl.create_default_context()
    if settings.tls == "ssl":
        server = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout_s,
                                  context=context)  # fmt: skip
    else:
        server = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_s)
    with server:
        if settings.tls == "starttls":
            server.starttls(context=context)
        if settings.username:
            password = os.environ.get(settings.password_env or "", "")
            server.login(settings.username, password)
        server.send_message(msg)


def send_webhook(url: str, payload: dict) -> int:
    """POST ``payload`` as JSON; returns the HTTP status (raises on a refused connection)."""
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url, data=data, method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "civicalloc"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_S) as response:  # noqa: S310
        return int(response.status)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]


def push_alerts(engine: Engine, alerts: pd.DataFrame, spec: WatchFile, username: str) -> PushReport:
    """Push ``alerts`` to their bureaus as the watch file says; audit each push."""
    report = PushReport()
    if alerts.empty:
        return report
    for bureau, group in alerts.groupby("bureau", sort=True):
        target: PushTarget | None = spec.push.get(bureau)
        if target is None:
            continue
        ids = ",".join(str(i) for i in group["alert_id"])
        if target.email and spec.smtp is not None:
            smtp = spec.smtp
            subject, body = email_text(group, bureau)
            try:
                send_email(smtp, list(target.email), subject, body)
            except (OSError, smtplib.SMTPException) as exc:
                report.failures.append(
                    f"{spec.source}, [smtp] host {smtp.host!r} port {smtp.port} (tls "
                    f"{smtp.tls}): e-mail to {bureau} not sent: {_reason(exc)}; the "
                    f"{len(group)} alert(s) are stored: send them with `civicalloc alerts push`"
                )
                log(engine, username, "alert_push_failed", detail=f"email {bureau}: {ids}")
            else:
                report.lines.append(
                    f"e-mailed {len(group)} alert(s) to {bureau}: {', '.join(target.email)}"
                )
                log(engine, username, "alert_push", detail=f"email {bureau}: {ids}")
        if target.webhook:
            try:
                status = send_webhook(target.webhook, alert_payload(group, bureau))
            except (OSError, urllib.error.URLError, ValueError) as exc:
                report.failures.append(
                    f"{spec.source}, [push.{bureau}] webhook {target.webhook}: not delivered: "
                    f"{_reason(exc)}; the {len(group)} alert(s) are stored"
                )
                log(engine, username, "alert_push_failed", detail=f"webhook {bureau}: {ids}")
            else:
                report.lines.append(f"posted {len(group)} alert(s) for {bureau} (HTTP {status})")
                log(engine, username, "alert_push", detail=f"webhook {bureau}: {ids}")
    return report
