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

OK, REFUSED = 0, 1
DB_HELP = "URL de SQLAlchemy / SQLAlchemy URL (default: $GAPSMODEL_DATABASE_URL, then data/gapsmodel.db)"


class _Refused(Exception):
    pass


def add_parser(subparsers) -> None:
    """Register ``users`` and its subcommands on the CLI's argparse subparsers."""
    users = subparsers.add_parser("users", help="Cuentas de usuario / user accounts",
                                  description="Cuentas, roles e instituciones / accounts, roles and institutions.")
    sub = users.add_subparsers(dest="users_command", required=True, metavar="{add,list,passwd,disable,enable}")

    def common(p):
        p.add_argument("--db", help=DB_HELP)
        return p

    p = common(sub.add_parser("add", help="Crea una cuenta / create an account"))
    p.add_argument("name", help="nombre de usuario / user name")
    p.add_argument("--role", required=True, choices=accounts.ACCOUNT_ROLES,
                   help="rol / role (partner requiere --institution)")
    p.add_argument("--institution", help="código de la institución / institution code (required for partner)")
    p.add_argument("--password-stdin", action="store_true", dest="password_stdin",
                   help="lee la contraseña de la entrada estándar / read the password from stdin")

    p = common(sub.add_parser("list", help="Lista las cuentas / list the accounts"))
    p.add_argument("--format", choices=["table", "csv"], default="table")

    p = common(sub.add_parser("passwd", help="Cambia la contraseña / set a new password"))
    p.add_argument("name", help="nombre de usuario / user name")
    p.add_argument("--password-stdin", action="store_true", dest="password_stdin",
                   help="lee la contraseña de la entrada estándar / read the password from stdin")

    p = common(sub.add_parser("disable", help="Desactiva una cuenta / disable an account"))
    p.add_argument("name", help="nombre de usuario / user name")

    p = common(sub.add_parser("enable", help="Reactiva una cuenta (y la desbloquea) / enable (and unlock) an account"))
    p.add_argument("name", help="nombre de usuario / user name")


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
            raise _Refused("No se recibió ninguna contraseña por la entrada estándar. / No password on stdin.")
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise _Refused("Sin terminal para pedir la contraseña: use --password-stdin. "
                       "/ No terminal to prompt for the password: use --password-stdin.")
    first = getpass.getpass("Contraseña / password: ")
    second = getpass.getpass("Repita la contraseña / repeat the password: ")
    if first != second:
        raise _Refused("Las contraseñas no coinciden; no se cambió nada. / The passwords differ; nothing changed.")
    return first


def _list(store: Store, actor: Actor, fmt: str) -> None:
    frame = accounts.list_users(store, actor=actor)
    if fmt == "csv":
        from ..spreadsheet import to_csv_text  # openpyxl: only for the commands that write tables
        sys.stdout.write(to_csv_text(frame, lineterminator="\n"))
        return
    if frame.empty:
        print("No hay cuentas. Cree la primera con: python -m gapsmodel users add NOMBRE --role admin "
              "/ No accounts yet.")
        return
    shown = frame.copy()
    for col in ("locked_until", "created_at", "last_login"):
        shown[col] = shown[col].map(lambda v: "" if v is None or v != v else f"{v:%Y-%m-%d %H:%M}")
    shown["institution"] = shown["institution"].fillna("")
    print(shown.to_string(index=False))


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
            print(f"Cuenta creada: {user.username}, rol {user.role}{inst}. / Account created.")
        elif command == "list":
            _list(store, actor, args.format)
        elif command == "passwd":
            if not accounts.user_exists(store, args.name):  # say so before asking for a password
                raise _Refused(f"No existe el usuario '{args.name}'. / No user '{args.name}'.")
            password = _read_password(args)
            accounts.set_password(store, args.name, password, actor=actor)
            print(f"Contraseña cambiada para {accounts.normalise_username(args.name)}. / Password changed.")
        elif command == "disable":
            accounts.disable_user(store, args.name, actor=actor)
            print(f"Cuenta desactivada: {accounts.normalise_username(args.name)}. / Account disabled.")
        elif command == "enable":
            accounts.enable_user(store, args.name, actor=actor)
            print(f"Cuenta reactivada: {accounts.normalise_username(args.name)}. / Account enabled.")
        else:
            raise _Refused(f"Subcomando desconocido / unknown subcommand: {command}")
    except (_Refused, accounts.AccountError, accounts.LoginFailed, PermissionDenied) as exc:
        print(str(exc).replace("\n", " "), file=sys.stderr)
        return REFUSED
    except (KeyboardInterrupt, EOFError):
        print("Cancelado; no se cambió nada. / Cancelled; nothing changed.", file=sys.stderr)
        return REFUSED
    return OK
