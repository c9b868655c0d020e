"""A bureau's watch file (TOML): which detectors watch the history, indicator rules, and where
alerts are pushed. Every mistake is one line naming the file, the rule and the key.

    [watch]
    methods = ["farrington", "cusum"]   # forecasting.surveillance.DETECTORS
    since = "2025-01-01"                # optional: periods judged (default: the last year)
    [watch.settings.farrington]         # optional settings per method
    alpha = 0.005

    [[rule]]
    name = "far from hospital care"     # optional
    metric = "share beyond 30 min"      # a KPI of stored runs, or a history measure
    comparison = ">"                    # > >= < <=
    threshold = 0.05
    service = "health"                  # the bureau that owns the alert
    severity = "warning"                # info, warning, critical

    [smtp]                              # e-mail pushes (host, port, tls, sender)
    host = "mail.example.gov"
    port = 587
    tls = "starttls"                    # none, starttls, ssl
    sender = "civicalloc@example.gov"
    username = "civicalloc"             # optional; the password is read from password_env
    password_env = "CIVICALLOC_SMTP_PASSWORD"

    [push.health]                       # per bureau: e-mail addresses and/or a webhook
    email = ["duty@health.example.gov"]
    webhook = "https://hooks.example.gov/health"

A KPI metric matches a stored KPI by its whole name ("hospital: share beyond 30 min") or by
the part after the service line ("share beyond 30 min", every line of the rule's service).
"""

from __future__ import annotations

import operator
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from demand.errors import InputError
from forecasting.surveillance import DEFAULT_METHODS, make_detector
from scenarios.alerts.store import BUREAUS, SEVERITIES

__all__ = ["COMPARISONS", "Rule", "SmtpSettings", "WatchFile", "read_watch_file"]

COMPARISONS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}
COMPARISON_WORDS = {">": "above", ">=": "at or above", "<": "below", "<=": "at or below"}
TLS = ("none", "starttls", "ssl")


@dataclass(frozen=True)
class Rule:
    """One indicator rule: ``metric comparison threshold`` for ``service``, at ``severity``."""

    name: str
    metric: str
    comparison: str
    threshold: float
    service: str
    severity: str = "warning"
    where: str = ""  # "R.toml, rule 2": for messages

    def broken_by(self, value: float) -> bool:
        """True when ``value`` breaks the rule."""
        return bool(COMPARISONS[self.comparison](value, self.threshold))

    @property
    def words(self) -> str:
        """The rule in words: "share beyond 30 min above 0.05"."""
        return f"{self.metric} {COMPARISON_WORDS[self.comparison]} {self.threshold:g}"


@dataclass(frozen=True)
class SmtpSettings:
    """Where e-mail pushes go out: host, port, TLS mode, sender, optional login."""

    host: str = "localhost"
    port: int = 25
    tls: str = "none"
    sender: str = "civicalloc@localhost"
    username: str = ""
    password_env: str = ""
    timeout_s: float = 20.0


@dataclass(frozen=True)
class PushTarget:
    """Where one bureau's alerts are pushed."""

    email: tuple[str, ...] = ()
    webhook: str = ""


@dataclass
class WatchFile:
    """Everything a watch file says (defaults when there is no file)."""

    methods: tuple[str, ...] = DEFAULT_METHODS
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    since: str | None = None
    rules: list[Rule] = field(default_factory=list)
    smtp: SmtpSettings | None = None
    push: dict[str, PushTarget] = field(default_factory=dict)
    source: str = "defaults"

    def detectors(self) -> dict[str, Any]:
        """A detector per method, with the file's settings."""
        return {
            m: make_detector(m, source=f"{self.source}, [watch.settings.{m}]",
                             **self.settings.get(m, {}))
            for m in self.methods
        }  # fmt: skip


def _need(table: dict, key: str, kind: type | tuple, where: str) -> Any:
    if key not in table:
        raise InputError(f"{where}: missing '{key}'")
    value = table[key]
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        name = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise InputError(f"{where}: '{key}' = {value!r} must be a {name}")
    return value


def _rule(table: Any, n: int, source: str) -> Rule:
    where = f"{source}, rule {n}"
    if not isinstance(table, dict):
        raise InputError(f"{where}: write rules as [[rule]] tables")
    name = str(table.get("name") or f"rule {n}")
    where = f"{source}, rule {n} ({name})"
    unknown = sorted(
        set(table) - {"name", "metric", "comparison", "threshold", "service", "severity"}
    )
    if unknown:
        raise InputError(f"{where}: unknown key(s) {', '.join(unknown)}")
    metric = _need(table, "metric", str, where).strip()
    comparison = _need(table, "comparison", str, where).strip()
    if comparison not in COMPARISONS:
        raise InputError(f"{where}: comparison {comparison!r}; use one of {', '.join(COMPARISONS)}")
    threshold = float(_need(table, "threshold", (int, float), where))
    service = _need(table, "service", str, where)
    if service not in BUREAUS:
        raise InputError(f"{where}: service {service!r}; use one of {', '.join(BUREAUS)}")
    severity = str(table.get("severity", "warning"))
    if severity not in SEVERITIES:
        raise InputError(f"{where}: severity {severity!r}; use one of {', '.join(SEVERITIES)}")
    return Rule(name, metric, comparison, threshold, service, severity, where)


def read_watch_file(path: str | Path | None) -> WatchFile:
    """Read and check a watch file; None gives the defaults (Farrington and CUSUM, no rules)."""
    if path is None:
        return WatchFile()
    path = Path(path)
    source = path.name
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: file not found; give the path of a watch file (TOML)") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{source}: not valid TOML ({exc}); fix the syntax") from None
    unknown = sorted(set(raw) - {"watch", "rule", "smtp", "push"})
    if unknown:
        raise InputError(f"{source}: unknown table(s) {', '.join(unknown)}; "
                         "use [watch], [[rule]], [smtp], [push.BUREAU]")  # fmt: skip
    out = WatchFile(source=source)
    watch = raw.get("watch", {})
    if watch:
        methods = watch.get("methods", list(DEFAULT_METHODS))
        if not isinstance(methods, list) or not all(isinstance(m, str) for m in methods):
            raise InputError(f"{source}, [watch]: methods must be a list of names")
        out.methods = tuple(methods)
        out.settings = dict(watch.get("settings", {}))
        out.since = str(watch["since"]) if "since" in watch else None
        out.detectors()  # unknown methods and settings are named now, not mid-evaluation
    rules = raw.get("rule", [])
    if not isinstance(rules, list):
        raise InputError(f"{source}: write rules as [[rule]] tables")
    out.rules = [_rule(t, n, source) for n, t in enumerate(rules, start=1)]
    if "smtp" in raw:
        smtp = dict(raw["smtp"])
        where = f"{source}, [smtp]"
        bad = sorted(set(smtp) - set(SmtpSettings.__dataclass_fields__))
        if bad:
            raise InputError(f"{where}: unknown setting(s) {', '.join(bad)}")
        if smtp.get("tls", "none") not in TLS:
            raise InputError(f"{where}: tls {smtp['tls']!r}; use one of {', '.join(TLS)}")
        if "port" in smtp and not isinstance(smtp["port"], int):
            raise InputError(f"{where}: port {smtp['port']!r} must be a whole number")
        out.smtp = SmtpSettings(**smtp)
    for bureau, target in dict(raw.get("push", {})).items():
        where = f"{source}, [push.{bureau}]"
        if bureau not in BUREAUS:
            raise InputError(f"{where}: unknown bureau; use one of {', '.join(BUREAUS)}")
        bad = sorted(set(target) - {"email", "webhook"})
        if bad:
            raise InputError(f"{where}: unknown key(s) {', '.join(bad)}; use email, webhook")
        email = target.get("email", [])
        email = [email] if isinstance(email, str) else list(email)
        webhook = str(target.get("webhook", ""))
        if webhook and not webhook.startswith(("http://", "https://")):
            raise InputError(f"{where}: webhook {webhook!r} must be an http(s) URL")
        if email and "smtp" not in raw:
            raise InputError(f"{where}: e-mail needs an [smtp] table (host, port, tls, sender)")
        out.push[bureau] = PushTarget(tuple(email), webhook)
    return out
