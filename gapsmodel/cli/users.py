"""The ``users`` command group: accounts from the terminal (the way to create the first administrator).

    python -m gapsmodel users add NAME --role ROLE [--institution CODE] [--password-stdin] [--db URL]
    python -m gapsmodel users list [--format table|csv] [--db URL]
    python -m gapsmodel users passwd NAME [--password-stdin] [--db URL]
    python -m gapsmodel users disable NAME [--db URL]
    python -m gapsmodel users enable NAME [--db URL]

Passwords are typed twice at a hidden prompt (getpass), or read from the first line of standard input
with ``--password-stdin`` for scripts; never given as an argument (it would stay in the shell history and
the process list). The command line acts as an administrator, recorded in the audit log with the name of
the operating-system user. Exit codes: 0 done, 1 refused (one line on stderr saying why).
"""
from __future__ import annotations

import getpass
import sys

from ..records import accounts
from ..rules.catalog import Catalog
from ..records.permissions import Actor, PermissionDenied
from ..records.store import Store
from ..i18n import both
from .speech import db_help, h, say, shown

OK, REFUSED = 0, 1


class _Refused(Exception):
    pass


def add_parser(subparsers) -> None:
    """Register ``users`` and its subcommands on the CLI's argparse subparsers."""
    users = subparsers.add_parser("users", help=h("Cuentas de usuario", "User accounts"),
                                  description=h("Cuentas, roles e instituciones.",
                                                "Accounts, roles and institutions."))
    sub = users.add_subparsers(dest="users_command", required=True, metavar="{add,list,passwd,disable,enable}")
    name_help = h("nombre de usuario", "user name")
    stdin_help = h("lee la contraseña de la entrada estándar", "read the password from standard input")

    def common(p):
        p.add_argument("--db", help=db_help())
        return p

    p = common(sub.add_parser("add", help=h("Crea una cuenta", "Create an account")))
    p.add_argument("name", help=name_help)
    p.add_argument("--role", required=True, choices=accounts.ACCOUNT_ROLES,
                   help=h("rol (partner requiere --institution)", "role (partner needs --institution)"))
    p.add_argument("--institution", help=h("código de la institución (obligatorio para partner)",
                                           "institution code (required for partner)"))
    p.add_argument("--password-stdin", action="store_true", dest="password_stdin", help=stdin_help)

    p = common(sub.add_parser("list", help=h("Lista las cuentas", "List the accounts")))
    p.add_argument("--format", choices=["table", "csv"], default="table")

    p = common(sub.add_parser("passwd", help=h("Cambia la contraseña", "Set a new password")))
    p.add_argument("name", help=name_help)
    p.add_argument("--password-stdin", action="store_true", dest="password_stdin", help=stdin_help)

    p = common(sub.add_parser("disable", help=h("Desactiva una cuenta", "Disable an account")))
    p.add_argument("name", help=name_help)

    p = common(sub.add_parser("enable", help=h("Reactiva una cuenta (y la desbloquea)",
                                               "Enable (and unlock) an account")))
    p.add_argument("name", help=name_help)


def command_line_actor() -> Actor:
    """The administrator the terminal acts as, named after the operating-system user for the audit log."""
    try:
        who = getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in some containers
        who = "?"
    return Actor(f"línea de comandos ({who})", "admin")


def _read_password(args) -> str:
    if args.password_stdin:
        line = sys.stdin.readline()
        if not line:
            raise _Refused(both("No se recibió ninguna contraseña por la entrada estándar.",
                                "No password was received on standard input."))
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise _Refused(both("Sin terminal para pedir la contraseña: use --password-stdin.",
                            "No terminal to prompt for the password: use --password-stdin."))
    first = getpass.getpass(h("Contraseña: ", "Password: "))
    second = getpass.getpass(h("Repita la contraseña: ", "Repeat the password: "))
    if first != second:
        raise _Refused(both("Las contraseñas no coinciden; no se cambió nada.",
                            "The passwords do not match; nothing was changed."))
    return first


def _list(store: Store, actor: Actor, fmt: str) -> None:
    frame = accounts.list_users(store, actor=actor)
    if fmt == "csv":
        from ..spreadsheet import to_csv_text  # openpyxl: only for the commands that write tables
        sys.stdout.write(to_csv_text(frame, lineterminator="\n"))
        return
    if frame.empty:
        say("No hay cuentas. Cree la primera con: python -m gapsmodel users add NOMBRE --role admin",
            "No accounts yet. Create the first one with: python -m gapsmodel users add NAME --role admin")
        return
    table = frame.copy()
    for col in ("locked_until", "created_at", "last_login"):
        table[col] = table[col].map(lambda v: "" if v is None or v != v else f"{v:%Y-%m-%d %H:%M}")
    table["institution"] = table["institution"].fillna("")
    print(table.to_string(index=False))


def run(args, store: Store, catalog: Catalog) -> int:
    """Run one ``users`` subcommand; return the exit code. Errors: one line on stderr, no traceback."""
    actor = command_line_actor()
    command = args.users_command
    try:
        if command == "add":
            accounts.check_new_account(store, args.name, args.role, args.institution, catalog)
            password = _read_password(args)
            user = accounts.add_user(store, args.name, args.role, args.institution, password=password,
                                     actor=actor, catalog=catalog)
            inst = f" ({user.institution})" if user.institution else ""
            say(f"Cuenta creada: {user.username}, rol {user.role}{inst}.",
                f"Account created: {user.username}, role {user.role}{inst}.")
        elif command == "list":
            _list(store, actor, args.format)
        elif command == "passwd":
            if not accounts.user_exists(store, args.name):  # say so before asking for a password
                raise _Refused(both(f"No existe el usuario '{args.name}'.", f"There is no user '{args.name}'."))
            password = _read_password(args)
            accounts.set_password(store, args.name, password, actor=actor)
            name = accounts.normalise_username(args.name)
            say(f"Contraseña cambiada para {name}.", f"Password changed for {name}.")
        elif command == "disable":
            accounts.disable_user(store, args.name, actor=actor)
            name = accounts.normalise_username(args.name)
            say(f"Cuenta desactivada: {name}.", f"Account disabled: {name}.")
        elif command == "enable":
            accounts.enable_user(store, args.name, actor=actor)
            name = accounts.normalise_username(args.name)
            say(f"Cuenta reactivada: {name}.", f"Account enabled: {name}.")
        else:
            raise _Refused(both(f"Subcomando desconocido: {command}", f"Unknown subcommand: {command}"))
    except (_Refused, accounts.AccountError, accounts.LoginFailed, PermissionDenied) as exc:
        shown(exc, sep=" ")
        return REFUSED
    except (KeyboardInterrupt, EOFError):
        say("Cancelado; no se cambió nada.", "Cancelled; nothing was changed.", file=sys.stderr)
        return REFUSED
    return OK
