"""The authorisation matrix, checked at the model layer: every role × action, allowed or refused.

"Own institution" is the partner's (ACNUR); "another" is OIM. Refused actions must change nothing.
"""
from __future__ import annotations

import pandas as pd
import pytest

from gapsmodel.records import accounts
from gapsmodel.views import exports
from gapsmodel.model import audience
from gapsmodel.records.permissions import ACTIONS, COMMAND_LINE, ROLES, Actor, PermissionDenied
from gapsmodel.records.store import Store
from gapsmodel.rules.periods import parse_period
from tests.helpers import values

OWN, OTHER = "ACNUR", "OIM"
PW = "una clave larga 123"
ACTORS = {
    "public": Actor("visita", "public"),
    "analyst": Actor("analista", "analyst"),
    "partner": Actor("socia", "partner", OWN),
    "admin": Actor("jefa", "admin"),
}
ALLOWED = {  # action -> roles allowed
    "view_exact": {"analyst", "partner", "admin"},
    "download": {"analyst", "partner", "admin"},
    "upload_own": {"partner", "admin"},
    "upload_other": {"admin"},
    "revert_own": {"partner", "admin"},
    "revert_other": {"admin"},
    "manage_users": {"admin"},
    "read_audit": {"admin"},
    "manage_catalog": {"admin"},
}


pytestmark = pytest.mark.usefixtures("fast_hashing")


@pytest.fixture
def store(tmp_path):
    return Store.open("sqlite:///" + str(tmp_path / "t.db"))


def batch(institution: str) -> pd.DataFrame:
    return values((institution, "victimas_trata_identificadas", "240302", "2022-05", 3)).drop(
        columns="uploaded_at")


def exact_monthly() -> pd.DataFrame:
    """Monthly figures of a small district (need 3, supply 1) and a large one, as steps 1-3 give them."""
    rows = [("victimas_trata_identificadas", "240302", 3.0), ("victimas_trata_atendidas", "240302", 1.0),
            ("victimas_trata_identificadas", "240301", 40.0), ("victimas_trata_atendidas", "240301", 30.0)]
    frame = pd.DataFrame(rows, columns=["indicator", "ubigeo", "value"]).assign(
        period="2022-05", carried=False, n_institutions=1, low_institution="MIMP", high_institution="MIMP")
    return frame.assign(low=frame["value"], high=frame["value"])


def attempt(action: str, actor: Actor, store: Store, catalog, territory):
    """Do the action as ``actor``; return True if done, False if refused (and check nothing changed)."""
    if action == "view_exact":
        shown = audience.gap_table_for(actor, exact_monthly(), catalog, territory, [parse_period("2022-05")])
        trata = shown[shown["gap_code"].eq("atencion_trata") & shown["ubigeo"].isin(["240302", "240301"])]
        return bool(trata["need"].notna().all()) and "need_min" not in trata
    if action == "download":
        store.add_batch(batch(OWN), institution=OWN, actor=COMMAND_LINE)
        try:
            frame = exports.download_values(store, actor=actor)
        except PermissionDenied:
            return False
        return len(frame) == 1
    if action in ("upload_own", "upload_other"):
        institution = OWN if action == "upload_own" else OTHER
        try:
            store.add_batch(batch(institution), institution=institution, actor=actor)
        except PermissionDenied:
            assert store.is_empty()
            return False
        return len(store.values()) == 1
    if action in ("revert_own", "revert_other"):
        institution = OWN if action == "revert_own" else OTHER
        batch_id = store.add_batch(batch(institution), institution=institution, actor=COMMAND_LINE)
        try:
            store.revert_batch(batch_id, actor=actor, reason="prueba")
        except PermissionDenied:
            assert len(store.values()) == 1
            return False
        return store.values().empty
    if action == "manage_users":
        try:
            accounts.add_user(store, "nueva", "analyst", password=PW, actor=actor, catalog=catalog)
        except PermissionDenied:
            assert not accounts.user_exists(store, "nueva")
            return False
        return accounts.authenticate(store, "nueva", PW).role == "analyst"
    if action == "read_audit":
        store.audit("jefa", "prueba", {"x": 1})
        try:
            frame = exports.audit_frame_for_export(store, actor=actor)
        except PermissionDenied:
            return False
        return "prueba" in set(frame["action"])
    if action == "manage_catalog":
        import shutil
        import tempfile

        from gapsmodel.rules.catalog import DEFAULT_DIR
        from gapsmodel.records.catalog_edit import read_table, replace_table
        with tempfile.TemporaryDirectory() as folder:
            shutil.copytree(DEFAULT_DIR, folder, dirs_exist_ok=True)
            table = read_table("institutions.csv", folder)
            renamed = table.assign(name_es=table["name_es"].where(table["code"].ne(OWN), "ACNUR (nuevo nombre)"))
            try:
                replace_table(store, "institutions.csv", renamed, actor=actor, directory=folder)
            except PermissionDenied:
                assert read_table("institutions.csv", folder).equals(table)
                return False
            return "ACNUR (nuevo nombre)" in set(read_table("institutions.csv", folder)["name_es"])
    raise AssertionError(action)


@pytest.mark.parametrize("action", sorted(ALLOWED))
@pytest.mark.parametrize("role", ROLES)
def test_authorisation_matrix(store, catalog, territory, role, action):
    assert attempt(action, ACTORS[role], store, catalog, territory) is (role in ALLOWED[action])


def test_matrix_agrees_with_the_declared_actions():
    for action, roles in ALLOWED.items():
        base = action.removesuffix("_own").removesuffix("_other")
        if action.endswith("_other"):
            assert roles == {"admin"}
        else:
            assert roles == set(ACTIONS[base])


def test_a_signed_in_partner_acts_only_for_its_institution(store, catalog):
    accounts.add_user(store, "socia", "partner", "Acnur Perú", password=PW, actor=COMMAND_LINE, catalog=catalog)
    actor = accounts.authenticate(store, "socia", PW)
    store.add_batch(batch(OWN), institution=OWN, actor=actor)
    with pytest.raises(PermissionDenied):
        store.add_batch(batch(OTHER), institution=OTHER, actor=actor)
    other = store.add_batch(batch(OTHER), institution=OTHER, actor=COMMAND_LINE)
    with pytest.raises(PermissionDenied):
        store.revert_batch(other, actor=actor)


def test_a_partner_cannot_smuggle_another_institutions_values(store):
    from gapsmodel.records.store import StoreError
    with pytest.raises(StoreError):
        store.add_batch(batch(OTHER), institution=OWN, actor=ACTORS["partner"])
    assert store.is_empty()


def test_permission_denied_message_is_bilingual():
    with pytest.raises(PermissionDenied) as info:
        ACTORS["analyst"].require("manage_users")
    assert "No autorizado" in str(info.value) and "Not allowed" in str(info.value)
