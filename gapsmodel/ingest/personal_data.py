"""Refusing personal data (DOMAIN.md §7): the dashboard holds aggregated counts only.

A file is refused when a column is named like personal data (name, DNI, passport, CE, phone, e-mail,
address, birth date) or when cells look like it:

* an e-mail address anywhere;
* a Peruvian mobile number (nine digits starting with 9, optionally ``+51``/``51``, spaces or dashes);
* a DNI: eight digits on their own, in any column but the value, UBIGEO and period columns;
* a passport or CE number: one to three letters followed by six to nine digits, or a document word
  (DNI, pasaporte, CE, carné, PTP, CPP) followed by a code, in any text column.

Found values are shown masked in problems (``ju…``): the problem list must not itself spread the data.
"""
from __future__ import annotations

import re

import pandas as pd

from .columns import norm_header, parse_hxl
from .problems import Problem

WHY = ("El tablero solo recibe cifras agregadas (conteos), nunca datos de personas, porque guarda "
       "información sobre sobrevivientes de trata y de violencia. Quite esa columna o esos datos; el archivo no "
       "se guardó. / The dashboard only takes aggregated counts, never data about individual people; the file "
       "was not stored.")

#: Header words (normalised) that name personal data.
PERSONAL_HEADER_WORDS = {
    "nombre", "nombres", "apellido", "apellidos", "name", "names", "surname", "firstname", "lastname",
    "dni", "documento", "documentos", "pasaporte", "passport", "carne", "carnet", "ce", "ptp", "cpp",
    "telefono", "telefonos", "celular", "cel", "phone", "mobile", "movil", "whatsapp", "email", "mail",
    "correo", "direccion", "domicilio", "address", "nacimiento", "birth", "birthdate", "dob", "beneficiario",
    "beneficiaria", "victima", "paciente", "ruc",
}
PERSONAL_HEADER_PHRASES = {"e mail", "fecha de nacimiento", "date of birth", "numero de documento",
                           "carne de extranjeria", "full name"}
_HXL_PERSONAL = {"contact", "beneficiary"}
#: Words that make a header name something other than a person ("Nombre del indicador", "Nombre del albergue").
NOT_A_PERSON_WORDS = {
    "indicador", "indicator", "distrito", "district", "provincia", "province", "region", "departamento",
    "institucion", "institution", "organizacion", "organization", "entidad", "sector", "establecimiento",
    "centro", "albergue", "shelter", "programa", "programme", "program", "servicio", "service", "eess",
    "ipress", "org", "agencia", "agency", "archivo", "file", "reporte", "report", "mes",
}

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = r"(?:\+?51[\s-]?)?9\d{2}[\s-]?\d{3}[\s-]?\d{3}"
DNI = r"\d{8}"
PASSPORT = r"[A-Za-z]{1,3}[\s-]?\d{6,9}"
DOC_WORD = re.compile(r"\b(?:dni|pasaporte|passport|c\.?e\.?|carn[eé]t?|ptp|cpp)\b\s*(?:n[°ºo.]*\s*)?[:#]?\s*"
                      r"[A-Za-z]{0,3}\d{6,}", re.IGNORECASE)


def header_is_personal(text: object) -> bool:
    s = str(text).strip()
    if s.startswith("#"):
        parsed = parse_hxl(s)
        return bool(parsed and (parsed[0] in _HXL_PERSONAL or parsed[1] & {"name", "phone", "email"}
                                and parsed[0] not in ("org", "adm1", "adm2", "adm3", "adm4", "loc", "indicator")))
    norm = norm_header(s)
    if norm in PERSONAL_HEADER_PHRASES:
        return True
    words = set(norm.split())
    return bool(words & PERSONAL_HEADER_WORDS) and not words & NOT_A_PERSON_WORDS


def mask(value: object) -> str:
    s = str(value).strip()
    return s[:2] + "…" if len(s) > 2 else "…"


def _kinds(unique: pd.Series, role: str | None) -> pd.Series:
    """Kind of personal datum each unique text looks like ('' if none)."""
    s = unique.astype(str).str.strip()
    out = pd.Series("", index=unique.index, dtype=object)
    out[s.str.contains(EMAIL, regex=True)] = "un correo electrónico / an e-mail"
    phone = s.str.fullmatch(PHONE) if role == "value" else s.str.contains(rf"(?<![\d.,]){PHONE}(?![\d.,])",
                                                                         regex=True)
    out[(out == "") & phone] = "un número de teléfono / a phone number"
    if role not in ("value", "ubigeo", "period"):
        dni = s.str.contains(rf"(?<![\w.,]){DNI}(?![\w.,])", regex=True)
        out[(out == "") & dni] = "un número de DNI / an ID number"
        passport = s.str.contains(rf"(?<![\w]){PASSPORT}(?![\w])", regex=True) | s.str.contains(DOC_WORD)
        out[(out == "") & passport] = "un número de pasaporte o carné de extranjería / a passport or CE number"
    return out


def find_personal_data(body: pd.DataFrame, names: dict[int, str], roles: dict[int, str | None],
                       header_row: int | None, native: bool = False) -> list[Problem]:
    """Problems for personal-data columns and cells of ``body`` (cells as in the file; index = row numbers).

    ``roles`` gives each column position's role (None for unrecognised columns).
    """
    problems: list[Problem] = []
    for pos, name in names.items():
        if roles.get(pos) is None and header_is_personal(name):
            problems.append(Problem(header_row, name, name,
                                    f"La columna «{name}» parece contener datos personales. {WHY}"))
    for pos in body.columns:
        role = roles.get(pos)
        column = body[pos]
        if not native:
            text = column.astype(str)
        else:
            text = column[column.map(lambda c: isinstance(c, str))]
        if native and role == "value":
            ints = column[column.map(lambda c: isinstance(c, (int, float)) and c == c and float(c).is_integer())
                          ]
            text = pd.concat([text, ints.map(lambda c: str(int(c)))])
        text = text[text.astype(str).str.strip().ne("")]
        if text.empty:
            continue
        text = text.astype(str)
        unique = pd.Series(text.unique())
        kinds = _kinds(unique, role)
        bad = dict(zip(unique[kinds != ""], kinds[kinds != ""]))
        if not bad:
            continue
        hits = text[text.isin(list(bad))]
        name = names.get(pos, "")
        for row, value in hits.items():
            problems.append(Problem(int(row), name, mask(value),
                                    f"Parece {bad[value].split(' / ')[0]}: aquí no caben datos personales. {WHY}"))
    return problems
