"""Refusing personal data (DOMAIN.md §7): the dashboard holds aggregated counts only.

Two checks, both decided on the *values* of the file, so that a partner is told exactly which column and
which cells to remove:

* **Columns whose header names a person's datum** (name, surname, survivor, person, NNA, document, phone,
  e-mail, address, birth date) and which are not one of the dashboard's columns. The header says which
  kind of datum to look for, and the column's cells decide: ``Nombres`` holding ``Ana Pérez`` is refused,
  ``Nombre del CEM`` holding ``CEM Tumbes`` is not (a header naming a facility, office, station, type or
  category is never a person's), nor is ``Tipo de documento`` holding ``CPP`` or ``Carné de extranjería``.
* **Cells that look like a person's datum**, in any text column:

  - an e-mail address, also written ``(at)``, ``[at]`` or ``arroba``;
  - a phone number: a Peruvian mobile (nine digits from 9), or any number that the ``phonenumbers``
    library (Google's libphonenumber metadata) finds valid for Peru or with an international prefix,
    written with spaces, dots, dashes or brackets;
  - a DNI (eight digits, also ``12.345.678`` or ``12 345 678``), a Venezuelan cédula (``V-12.345.678``,
    ``E 1234567``), a carné de extranjería (nine digits from 0) or a passport (letters and six to nine
    digits), or a document word followed by a number;
  - a street address: ``Av.``, ``Jr.``, ``Calle``, ``Pasaje``, ``Prolongación``… followed by a name or a
    number, or a block/lot (``Mz. B Lt. 4``);
  - a birth date: a date next to a word for birth (``nació``, ``F. nac.``, ``fecha de nacimiento``);
  - a person's full name: capitalised words that begin with a common given name and go on with a
    surname (``María Fernanda Quispe Huamán``).

  In the period, UBIGEO and value columns only the phone and e-mail checks run (a value is a number).

Work is per *distinct* cell and a cheap regular-expression screen decides which cells the slower checks
(``phonenumbers``, the name lexicon) see at all, so a 100,000-row file stays within the upload target.
Found values are shown masked in problems (``ju…``): the problem list must not itself spread the data.
"""
from __future__ import annotations

import re

import pandas as pd

from ..i18n import both
from ..rules.catalog import fold
from .columns import norm_header, parse_hxl
from .problems import Problem
from .values import inline

#: Why personal data is refused, (Spanish, English): each half closes its own side of a message.
WHY = ("El tablero solo recibe cifras agregadas (conteos), nunca datos de personas, porque guarda "
       "información sobre sobrevivientes de trata y de violencia. Quite esa columna o esos datos; el archivo no "
       "se guardó.",
       "The dashboard only takes aggregated figures (counts), never data about people, because it holds "
       "information about survivors of trafficking and violence. Remove that column or that data; the file was "
       "not stored.")
#: Rows listed by number in a column's problem (the rest are counted).
ROWS_SHOWN = 12

# --- headers ---------------------------------------------------------------------------------------------
#: Header words (normalised) that name personal data, by the kind of datum the cells are then checked for.
HEADER_KINDS: dict[str, set[str]] = {
    "name": {"nombre", "nombres", "apellido", "apellidos", "name", "names", "surname", "firstname", "lastname",
             "beneficiario", "beneficiaria", "victima", "paciente", "sobreviviente", "sobrevivientes",
             "persona", "personas", "nna", "usuario", "usuaria", "titular", "madre", "padre", "apoderado",
             "menor", "survivor", "person", "victim", "patient", "beneficiary"},
    "document": {"dni", "documento", "documentos", "pasaporte", "passport", "carne", "carnet", "ce", "ptp", "cpp",
                 "ruc", "cedula", "identificacion", "id"},
    "phone": {"telefono", "telefonos", "celular", "cel", "phone", "mobile", "movil", "whatsapp", "contacto",
              "contact"},
    "email": {"email", "mail", "correo"},
    "address": {"direccion", "domicilio", "address", "residencia", "vivienda"},
    "birth": {"nacimiento", "birth", "birthdate", "dob"},
}
PERSONAL_HEADER_WORDS = set().union(*HEADER_KINDS.values())
PERSONAL_HEADER_PHRASES = {"e mail": "email", "fecha de nacimiento": "birth", "date of birth": "birth",
                           "numero de documento": "document", "carne de extranjeria": "document",
                           "full name": "name"}
_HXL_PERSONAL = {"contact": "phone", "beneficiary": "name"}
#: Words that make a header name something other than a person ("Nombre del indicador", "Nombre del CEM",
#: "Tipo de documento": a category, not a document number).
NOT_A_PERSON_WORDS = {
    "indicador", "indicator", "distrito", "district", "provincia", "province", "region", "departamento",
    "institucion", "institution", "organizacion", "organization", "entidad", "sector", "establecimiento",
    "centro", "albergue", "shelter", "programa", "programme", "program", "servicio", "service", "eess",
    "ipress", "org", "agencia", "agency", "archivo", "file", "reporte", "report", "mes", "cem", "comisaria",
    "estacion", "station", "facility", "puesto", "sede", "oficina", "office", "local", "punto", "lugar",
    "modulo", "tipo", "type", "clase", "categoria", "category", "modalidad", "grupo", "rango", "cantidad",
    "numero de personas", "total", "hospital", "colegio", "escuela", "dependencia", "unidad", "equipo",
    "proyecto", "project", "socio", "partner", "fuente", "source", "cebaf", "frontera",
}


def header_kind(text: object) -> str | None:
    """The kind of personal datum a header names ('name', 'document', 'phone', 'email', 'address',
    'birth'), or None."""
    s = str(text).strip()
    if s.startswith("#"):
        parsed = parse_hxl(s)
        if not parsed:
            return None
        if parsed[0] in _HXL_PERSONAL:
            return _HXL_PERSONAL[parsed[0]]
        if parsed[0] in ("org", "adm1", "adm2", "adm3", "adm4", "loc", "indicator"):
            return None
        for attr, kind in (("name", "name"), ("phone", "phone"), ("email", "email")):
            if attr in parsed[1]:
                return kind
        return None
    norm = norm_header(s)
    if norm in PERSONAL_HEADER_PHRASES:
        return PERSONAL_HEADER_PHRASES[norm]
    words = set(norm.split())
    if words & NOT_A_PERSON_WORDS or any(p in norm for p in NOT_A_PERSON_WORDS if " " in p):
        return None
    for kind, kind_words in HEADER_KINDS.items():
        if words & kind_words:
            return kind
    return None


def header_is_personal(text: object) -> bool:
    return header_kind(text) is not None


def mask(value: object) -> str:
    s = str(value).strip()
    return s[:2] + "…" if len(s) > 2 else "…"


# --- cells -----------------------------------------------------------------------------------------------
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
EMAIL_OBFUSCATED = re.compile(
    r"[\w.+-]+\s*(?:\(\s*(?:at|arroba)\s*\)|\[\s*(?:at|arroba)\s*\]|\{\s*(?:at|arroba)\s*\}|\s(?:at|arroba)\s)"
    r"\s*[\w-]+\s*(?:\.|\(\s*(?:dot|punto)\s*\)|\[\s*(?:dot|punto)\s*\]|\s(?:dot|punto)\s)\s*[a-z]{2,6}\b",
    re.IGNORECASE)
PHONE = r"(?:\+?51[\s.-]?)?9\d{2}[\s.-]?\d{3}[\s.-]?\d{3}"
_SEP = r"[\s.,-]?"
DNI = re.compile(rf"(?<![\w.,/+-])(?<!\d\s)\d{{2}}{_SEP}\d{{3}}{_SEP}\d{{3}}(?![\w,/-]|[.\s]\d)")
CEDULA = re.compile(r"(?<![\w])[VvEe]\s*[-.]?\s*\d{1,2}[.\s]?\d{3}[.\s]?\d{3}(?!\w|\.\d)")
CARNE = re.compile(r"(?<![\w.,])0\d{8}(?![\w,]|\.\d)")
PASSPORT = re.compile(r"(?<![\w])[A-Za-z]{1,3}[\s-]?\d{6,9}(?![\w])")
DOC_WORD = re.compile(r"\b(?:dni|pasaporte|passport|c\.?\s?e\.?|carn[eé]t?(?:\s+de\s+extranjer[ií]a)?|ptp|cpp|"
                      r"c[eé]dula|ruc|doc(?:umento)?)\b\s*(?:n[°ºo.]*\s*)?[:#]?\s*[A-Za-z]{0,3}[\s.-]?\d[\d.\s-]{5,}",
                      re.IGNORECASE)
STREET = re.compile(
    r"\b(?:av|avda|avenida|jr|jir[oó]n|calle|ca|cl|psje|pje|pasaje|prolongaci[oó]n|prol|carretera|malec[oó]n|"
    r"urb|urbanizaci[oó]n|aa\.?\s?hh|asentamiento humano|caser[ií]o)\b\.?\s+(?:[A-Za-zÀ-ÿ]{2,}|\d{1,5})",
    re.IGNORECASE)
BLOCK_LOT = re.compile(r"\b(?:mz|mza|manzana)\b\.?\s*[A-Za-z0-9]{1,3}\b.{0,20}?\b(?:lt|lote)\b\.?\s*\d{1,4}",
                       re.IGNORECASE)
LIVES_AT = re.compile(r"\b(?:vive|domiciliad[oa]|reside|residente)\s+en\b.{0,40}\d", re.IGNORECASE)
DATE = r"\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)?\d{2}|\d{4}-\d{2}-\d{2}|\d{1,2}\s+de\s+[a-záéíóú]+\s+(?:de\s+)?\d{4}"
BIRTH = re.compile(rf"(?:naci[oó]|nacid[oa]|nacimiento|f\.?\s?(?:de\s)?nac\.?|fec\.?\s?nac|birth|born|dob)\D{{0,25}}"
                   rf"(?:{DATE})", re.IGNORECASE)
#: cells with at least this many digits are shown to phonenumbers
_DIGITS7 = re.compile(r"(?:\d\D{0,3}){7,}")
_CAPITALISED = re.compile(r"[A-ZÁÉÍÓÚÑ][a-záéíóúüñ]+(?:[\s-]+(?:de\s+|del\s+|de\s+la\s+)?[A-ZÁÉÍÓÚÑ][a-záéíóúüñ]+)+")

# common given names (folded) in Peru and Venezuela, and common surnames: a run of capitalised words that
# starts with a given name and goes on with a surname or two more capitalised words is a person's name
GIVEN_NAMES = set("""
maria jose juan luis carlos jorge pedro miguel angel jesus manuel francisco antonio david daniel javier
alejandro fernando ricardo roberto eduardo sergio pablo andres diego rafael victor hugo oscar raul cesar
julio alberto enrique mario gustavo alfredo arturo ernesto hector ivan jaime joel jonathan kevin leonardo
marco martin nestor omar orlando percy renato rodrigo ruben samuel santiago sebastian teodoro walter wilmer
yohan yonathan yorman jhon jhonny luisa ana rosa carmen elena isabel patricia sofia valentina camila daniela
gabriela andrea paola fernanda alejandra carolina claudia diana elizabeth esther eva fatima flor gloria
graciela ines irene jessica juana julia karla karen laura leticia liliana lucia luz magaly marisol marta
martha mercedes milagros monica nancy natalia nelly norma olga pilar raquel rocio rosario ruth sandra sara
silvia susana teresa veronica victoria yolanda yesenia yessica yuliana zulema adriana alicia beatriz
brenda cecilia cristina dayana deysi doris erika estefania evelyn fiorella genesis heidy ingrid jazmin
jennifer johana katherine keyla lesly lisbeth lorena maribel mariela maritza mayra melissa miriam nathaly
noemi pamela rebeca sonia tatiana vanessa wendy ximena yamilet yaneth yenny yuri zoraida anthony bryan
christian cristian edwin elvis franklin freddy gabriel gerardo henry jean jefferson jhonatan junior kenny
luigui maykel wilson yeferson yoel abel adolfo agustin alan alvaro amador anibal benjamin brayan edgar
efrain elias emilio erick esteban felipe feliz fidel gilberto gonzalo guillermo ignacio isaac ismael
joaquin jonas josue julian leandro lorenzo lucas marcos mateo matias mauricio moises nicolas noel pascual
ramon reinaldo rolando salvador saul simon tomas ulises vicente william yerson aurora celeste dulce
emilia fabiola gladys guadalupe ivonne josefina lourdes margarita maricela mirtha nidia paula regina
rosmery selena shirley stefany susy thalia vilma yadira yaritza yelitza yorleny oriana mariangel
mariana marianela maria fernanda dayanna nayeli angie
""".split())
SURNAMES = set("""
quispe huaman mamani flores garcia rodriguez perez gonzalez lopez martinez sanchez ramirez torres diaz
vasquez vazquez rojas chavez castillo mendoza ramos cruz gutierrez reyes morales jimenez hernandez ruiz
alvarez romero herrera medina aguilar castro vargas fernandez gomez silva suarez rivera ortiz salazar
paredes espinoza cordova campos valdivia zapata cardenas cardozo rios leon navarro montero calderon
huamani condori ccori apaza choque mayta ticona huanca yupanqui chambi villanueva carrasco marquez
guzman figueroa pena nunez benitez acosta molina delgado contreras sandoval bravo carrillo cabrera
soto pacheco miranda tello lozano palacios velasquez vera guerrero montes alarcon olivares coronado
blanco briceno pinto colmenares parra urdaneta bolivar sulbaran
""".split())
_NOT_NAME_WORDS = {"tumbes", "zarumilla", "aguas", "verdes", "contralmirante", "villar", "region", "regional",
                   "distrito", "provincia", "centro", "salud", "hospital", "comisaria", "cem", "santa", "san",
                   "puerto", "pampas", "corrales", "papayal", "matapalo", "casitas", "canoas", "zorritos",
                   "acnur", "oim", "unicef", "diresa", "mimp", "pnp", "care", "encuentros", "migraciones",
                   "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
                   "setiembre", "octubre", "noviembre", "diciembre", "lunes", "martes", "miercoles", "jueves",
                   "viernes", "sabado", "domingo", "peru", "venezuela", "colombia", "ecuador", "norte", "sur"}


def _phonenumbers_hit(text: str) -> bool:
    try:
        import phonenumbers
    except ImportError:  # pragma: no cover - listed in requirements
        return False
    try:
        for match in phonenumbers.PhoneNumberMatcher(text, "PE", leniency=phonenumbers.Leniency.VALID):
            number = match.number
            national = str(number.national_number)
            if number.country_code == 51 and len(national) < 8:
                continue   # seven-digit figures are counts as often as Lima landlines
            return True
    except Exception:  # noqa: BLE001 - a library hiccup never lets a file through unchecked by the regexes
        return False
    return False


_FACILITY = re.compile(r"\b(?:hospital|centro|colegio|escuela|i\.?\s?e\.?|instituci[oó]n|comisar[ií]a|cem|puesto|"
                       r"posta|albergue|casa|refugio|programa|asociaci[oó]n|fundaci[oó]n|parroquia|iglesia|"
                       r"universidad|mercado|plaza|parque|estadio|av|jr|calle)\b\.?", re.IGNORECASE)


def looks_like_full_name(text: str) -> bool:
    """Capitalised words starting with a common given name and going on with a surname (or with two more
    capitalised words), none of them a place, institution or month, and not right after a facility word
    (``Hospital José Alfredo Mendoza``, ``I.E. José Olaya``)."""
    for run in _CAPITALISED.finditer(text):
        before = text[max(0, run.start() - 25):run.start()]
        if _FACILITY.search(before + " " + run.group(0).split()[0]):
            continue
        words = [w for w in re.split(r"[\s-]+", fold(run.group(0))) if w not in ("de", "del", "la")]
        for i, word in enumerate(words):
            if word not in GIVEN_NAMES:
                continue
            rest = words[i + 1:]
            if not rest or any(w in _NOT_NAME_WORDS for w in rest[:3]):
                continue
            if any(w in SURNAMES for w in rest[:3]) or len(rest) >= 2:
                return True
    return False


def _looks_like_a_name_cell(text: str) -> bool:
    """In a column whose header names a person: a cell of one to five words of letters that is not a
    facility, place or category word."""
    words = re.split(r"[\s,]+", fold(text).strip())
    if not words or len(words) > 5 or not all(re.fullmatch(r"[a-zñ'.-]+", w) for w in words):
        return False
    return not any(w in _NOT_NAME_WORDS or w in NOT_A_PERSON_WORDS for w in words)


#: What a cell or column was found to hold, (Spanish, English).
_KIND_LABEL = {
    "email": ("un correo electrónico", "an e-mail address"),
    "phone": ("un número de teléfono", "a phone number"),
    "dni": ("un número de documento (DNI, cédula, pasaporte o carné de extranjería)",
            "an identity document number (DNI, cédula, passport or foreigner's card, «carné de extranjería»)"),
    "passport": ("un número de documento (pasaporte o carné de extranjería, DNI, cédula)",
                 "an identity document number (passport or foreigner's card, «carné de extranjería», DNI, "
                 "cédula)"),
    "address": ("una dirección", "a street address"),
    "birth": ("una fecha de nacimiento", "a date of birth"),
    "name": ("el nombre de una persona", "a person's name"),
}


_WORD = re.compile(r"[a-záéíóúüñ]+")
_DIGITS6 = re.compile(r"\d(?:\D{0,3}\d){5}")
_AT_WORDS = {"at", "arroba"}
_BIRTH_WORDS = {"nacio", "nació", "nacido", "nacida", "nacimiento", "nac", "birth", "born", "dob", "fec"}
_STREET_WORDS = {"av", "avda", "avenida", "jr", "jiron", "jirón", "calle", "ca", "cl", "psje", "pje", "pasaje",
                 "prolongacion", "prolongación", "prol", "carretera", "malecon", "malecón", "urb", "urbanizacion",
                 "urbanización", "aa", "asentamiento", "caserio", "caserío"}
_BLOCK_WORDS = {"mz", "mza", "manzana"}
_LIVES_WORDS = {"vive", "domiciliado", "domiciliada", "reside", "residente"}


def cell_kind(text: str, role: str | None) -> str:
    """Kind of personal datum one cell looks like ('' if none).

    The words of the cell are found once; each slower pattern runs only on cells that have its key words
    (a street word, a birth word, 'at'/'arroba') or at least six digits close together."""
    s = text.strip()
    if not s:
        return ""
    if "@" in s and EMAIL.search(s):
        return "email"
    low = s.lower()
    words = set(_WORD.findall(low))
    if words & _AT_WORDS and EMAIL_OBFUSCATED.search(s):
        return "email"
    digits = _DIGITS6.search(s) is not None
    if role in ("value", "ubigeo", "period"):
        if digits and (re.fullmatch(PHONE, s) or (s.startswith("+") and _phonenumbers_hit(s))):
            return "phone"
        return ""
    if digits:
        if re.search(rf"(?<![\d.,]){PHONE}(?![\d,]|\.\d)", s):
            return "phone"
        if "+" in s and _DIGITS7.search(s) and _phonenumbers_hit(s):
            return "phone"
        if CEDULA.search(s) or DOC_WORD.search(s) or DNI.search(s):
            return "dni"
        if CARNE.search(s) or PASSPORT.search(s):
            return "passport"
        if _DIGITS7.search(s) and _phonenumbers_hit(s):
            return "phone"
    if words & _BIRTH_WORDS and any(c.isdigit() for c in s) and BIRTH.search(s):
        return "birth"
    if (words & _STREET_WORDS and STREET.search(s) or words & _BLOCK_WORDS and BLOCK_LOT.search(s)
            or words & _LIVES_WORDS and LIVES_AT.search(s)):
        return "address"
    if _CAPITALISED.search(s) and looks_like_full_name(s):
        return "name"
    return ""


def _column_kind(text: str, kind: str) -> str:
    """For a column whose header names a datum of ``kind``: does this cell hold one?"""
    found = cell_kind(text, None)
    if found:
        return found
    s = fold(text)
    digits = sum(c.isdigit() for c in s)
    if kind == "name":
        return "name" if _looks_like_a_name_cell(text) else ""
    if kind in ("document", "phone"):
        return "dni" if digits >= 5 else ""
    if kind == "email":
        return "email" if re.search(r"[\w-]+\.[a-z]{2,}", s) or " at " in f" {s} " else ""
    if kind == "address":
        return "address" if digits or len(s.split()) >= 2 else ""
    if kind == "birth":
        return "birth" if digits else ""
    return ""


def _text_cells(column: pd.Series, role: str | None, native: bool) -> pd.Series:
    if not native:
        text = column.astype(str)
    else:
        text = column[column.map(lambda c: isinstance(c, str))]
    if native and role == "value":
        ints = column[column.map(lambda c: isinstance(c, (int, float)) and not isinstance(c, bool) and c == c
                                 and float(c).is_integer())]
        text = pd.concat([text, ints.map(lambda c: str(int(c)))])
    text = text.astype(str)
    return text[text.str.strip().ne("")]


def _rows_text(rows: list[int], lang: str = "es") -> str:
    shown = ", ".join(map(str, rows[:ROWS_SHOWN]))
    more = len(rows) - ROWS_SHOWN
    if more <= 0:
        return shown
    return shown + (f" and {more} more" if lang == "en" else f" y {more} más")


def find_personal_data(body: pd.DataFrame, names: dict[int, str], roles: dict[int, str | None],
                       header_row: int | None, native: bool = False) -> list[Problem]:
    """Problems for personal-data columns and cells of ``body`` (cells as in the file; index = row numbers).

    ``roles`` gives each column position's role (None for unrecognised columns). A column refused as a
    whole gets one problem on the header row naming the rows that hold the data; other columns get one
    problem per cell.
    """
    problems: list[Problem] = []
    for pos in body.columns:
        role = roles.get(pos)
        name = names.get(pos, "")
        kind = header_kind(name) if role is None and name else None
        text = _text_cells(body[pos], role, native)
        if text.empty:
            continue
        unique = pd.Series(text.unique())
        if kind is not None:
            found = unique.map(lambda s, k=kind: _column_kind(s, k))
        else:
            found = unique.map(lambda s, r=role: cell_kind(s, r))
        bad = dict(zip(unique[found != ""], found[found != ""]))
        if not bad:
            continue
        hits = text[text.isin(list(bad))]
        if kind is not None:
            rows = sorted({int(r) for r in hits.index})
            labels = sorted({_KIND_LABEL[k] for k in bad.values()})     # in the Spanish order on both sides
            problems.append(Problem(header_row, name, name, both(
                f"La columna «{inline(name)}» trae datos de personas ({', '.join(es for es, _ in labels)}) en las "
                f"filas {_rows_text(rows)}. Quite esa columna del archivo. {WHY[0]}",
                f"The column «{inline(name)}» holds data about people ({', '.join(en for _, en in labels)}) in "
                f"rows {_rows_text(rows, 'en')}. Remove that column from the file. {WHY[1]}")))
            continue
        for row, value in hits.items():
            es, en = _KIND_LABEL[bad[value]]
            problems.append(Problem(int(row), name, mask(value), both(
                f"Parece {es}: aquí no caben datos personales; borre el contenido de esta celda (columna "
                f"«{inline(name)}», fila {int(row)}). {WHY[0]}",
                f"This looks like {en}: personal data does not belong here; delete the content of this cell "
                f"(column «{inline(name)}», row {int(row)}). {WHY[1]}")))
    return problems
