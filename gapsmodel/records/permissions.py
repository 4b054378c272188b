"""Who may do what. Checked inside the functions that change data, so no page can forget it."""
from __future__ import annotations

from dataclasses import dataclass

ROLES = ("public", "analyst", "partner", "admin")

# action -> roles allowed (partner actions are further bound to the partner's own institution)
ACTIONS: dict[str, tuple[str, ...]] = {
    "view_exact": ("analyst", "partner", "admin"),
    "download": ("analyst", "partner", "admin"),
    "upload": ("partner", "admin"),
    "revert": ("partner", "admin"),
    "manage_users": ("admin",),
    "read_audit": ("admin",),
    "manage_sessions": ("admin",),
    "manage_catalog": ("admin",),
    "approve": ("admin",),
    "annotate": ("analyst", "admin"),
}
OWN_INSTITUTION_ONLY = {"upload", "revert"}


class PermissionDenied(PermissionError):
    """The acting user's role does not allow this; the message is for the user (es / en)."""


@dataclass(frozen=True)
class Actor:
    username: str
    role: str = "public"
    institution: str | None = None

    def can(self, action: str, institution: str | None = None) -> bool:
        if action not in ACTIONS:
            raise ValueError(f"unknown action '{action}'; allowed: {sorted(ACTIONS)}")
        if self.role not in ACTIONS[action]:
            return False
        if self.role == "partner" and action in OWN_INSTITUTION_ONLY:
            return institution is not None and institution == self.institution
        return True

    def require(self, action: str, institution: str | None = None) -> None:
        if not self.can(action, institution):
            who = f"{self.username} ({self.role}{', ' + self.institution if self.institution else ''})"
            target = f" para {institution}" if institution else ""
            raise PermissionDenied(
                f"No autorizado: {who} no puede '{action}'{target}. "
                f"/ Not allowed: {who} may not '{action}'{' for ' + institution if institution else ''}.")


PUBLIC = Actor("público", "public")
COMMAND_LINE = Actor("línea de comandos", "admin")
