"""Outgoing mail for the command line: the SMTP server from ``.streamlit/secrets.toml`` or the environment.

    [smtp]                      # .streamlit/secrets.toml (kept out of git)
    host = "smtp.example.org"
    port = 587
    user = "mesa@example.org"
    password = "..."
    starttls = true
    from = "Mesa de Tumbes <mesa@example.org>"

Each key may be given (or overridden) by ``GAPSMODEL_SMTP_<KEY>`` (``GAPSMODEL_SMTP_HOST`` ...). The secrets
file is ``$GAPSMODEL_SECRETS_FILE``, else ``.streamlit/secrets.toml`` in the working folder, else the one of
the checkout. Standard library only (``smtplib``); the password never reaches a message or the audit log.
"""
from __future__ import annotations

import os
import smtplib
import ssl
import tomllib
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from ..i18n import both

ENV_PREFIX = "GAPSMODEL_SMTP_"
SECRETS_ENV_VAR = "GAPSMODEL_SECRETS_FILE"
KEYS = ("host", "port", "user", "password", "starttls", "from")
TIMEOUT_SECONDS = 30
_ROOT = Path(__file__).resolve().parents[2]


class MailError(Exception):
    """Mail cannot be sent (no server configured, server unreachable, login refused): a plain message."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    user: str = ""
    password: str = field(default="", repr=False)
    starttls: bool = True


def _secrets_file() -> Path | None:
    named = os.environ.get(SECRETS_ENV_VAR)
    if named:
        return Path(named)
    for folder in (Path.cwd(), _ROOT):
        path = folder / ".streamlit" / "secrets.toml"
        if path.is_file():
            return path
    return None


def _truthy(value: object) -> bool:
    return value if isinstance(value, bool) else str(value).strip().lower() in ("1", "true", "yes", "si", "sí")


def raw_settings() -> dict:
    """The [smtp] table of the secrets file with the environment's values on top (strings or TOML values)."""
    found: dict = {}
    path = _secrets_file()
    if path is not None and path.is_file():
        try:
            found.update(tomllib.loads(path.read_text("utf-8")).get("smtp", {}))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            raise MailError(both(f"No se pudo leer la sección [smtp] de {path.name}.",
                                 f"Could not read the [smtp] section of {path.name}.")) from None
    for key in KEYS:
        value = os.environ.get(ENV_PREFIX + key.upper())
        if value is not None and value != "":
            found[key] = value
    return found


def smtp_settings() -> SmtpSettings:
    """The configured server; :class:`MailError` naming what is missing or wrong."""
    raw = raw_settings()
    missing = [k for k in ("host", "from") if not str(raw.get(k, "")).strip()]
    if missing:
        names = ", ".join(missing)
        variables = ", ".join(ENV_PREFIX + k.upper() for k in missing)
        raise MailError(both(f"No hay servidor de correo (SMTP) configurado: falta {names} en la sección [smtp] de "
                             f".streamlit/secrets.toml o en {variables}.",
                             f"No mail server (SMTP) configured: {names} missing from the [smtp] section of "
                             f".streamlit/secrets.toml or from {variables}."))
    starttls = _truthy(raw.get("starttls", True))
    try:
        port = int(raw.get("port", 587 if starttls else 25))
    except (TypeError, ValueError):
        raise MailError(both(f"El puerto SMTP '{raw.get('port')}' no es un número.",
                             f"The SMTP port '{raw.get('port')}' is not a number.")) from None
    if bool(raw.get("user")) != bool(raw.get("password")):
        raise MailError(both("Para ingresar al servidor SMTP hacen falta usuario y contraseña, los dos.",
                             "Logging in to the SMTP server needs both a user and a password."))
    return SmtpSettings(host=str(raw["host"]).strip(), port=port, sender=str(raw["from"]).strip(),
                        user=str(raw.get("user", "")), password=str(raw.get("password", "")), starttls=starttls)


def configured_sender(default: str) -> str:
    """The configured ``from`` address, for messages written to files; ``default`` when there is none."""
    try:
        return str(raw_settings().get("from") or default)
    except MailError:
        return default


class Outbox:
    """One SMTP connection for a run: ``with Outbox(settings) as box: box.send(message)``."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> "Outbox":
        s = self.settings
        where = f"{s.host}:{s.port}"
        try:
            self._smtp = smtplib.SMTP(s.host, s.port, timeout=TIMEOUT_SECONDS)
            if s.starttls:
                self._smtp.starttls(context=ssl.create_default_context())
            if s.user:
                self._smtp.login(s.user, s.password)
        except smtplib.SMTPAuthenticationError:
            self._close()
            raise MailError(both(f"El servidor de correo {where} rechazó el usuario o la contraseña.",
                                 f"The mail server {where} refused the user or the password.")) from None
        except smtplib.SMTPNotSupportedError:
            self._close()
            raise MailError(both(f"El servidor de correo {where} no acepta STARTTLS (starttls = false si es un "
                                 f"servidor local sin cifrado).",
                                 f"The mail server {where} does not accept STARTTLS (starttls = false for a local "
                                 f"server without encryption).")) from None
        except (OSError, smtplib.SMTPException) as exc:
            self._close()
            reason = getattr(exc, "strerror", None) or type(exc).__name__
            raise MailError(both(f"No se pudo conectar con el servidor de correo {where} ({reason}).",
                                 f"Could not connect to the mail server {where} ({reason}).")) from None
        return self

    def send(self, message: EmailMessage, recipients: int) -> tuple[int, str | None]:
        """Send one message to its ``recipients`` addresses: (how many the server accepted, the problem in a
        few words, es / en, or None)."""
        try:
            refused = self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused:
            return 0, both("el servidor rechazó los destinatarios", "the server refused the recipients")
        except (OSError, smtplib.SMTPException) as exc:
            return 0, both(f"no se envió ({type(exc).__name__})", f"not sent ({type(exc).__name__})")
        if refused:
            n = len(refused)
            return recipients - n, both(f"{n} destinatario(s) rechazado(s)", f"{n} recipient(s) refused")
        return recipients, None

    def _close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None

    def __exit__(self, *exc) -> None:
        self._close()
