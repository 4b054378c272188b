"""The territory: region, provinces and districts (UBIGEO codes) and their boundaries.

Read from ``data/territory/``; swapping those files moves the dashboard to another region.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from ..i18n import both
from .catalog import CatalogError, fold

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "data" / "territory"
LEVELS = ("district", "province", "region")


@dataclass(frozen=True)
class Territory:
    region_ubigeo: str
    region_name: str
    provinces: pd.DataFrame   # index ubigeo; name
    districts: pd.DataFrame   # index ubigeo; name, province_ubigeo, border
    directory: Path

    @property
    def district_codes(self) -> list[str]:
        return list(self.districts.index)

    def level_of(self, ubigeo: str) -> str | None:
        if ubigeo == self.region_ubigeo:
            return "region"
        if ubigeo in self.provinces.index:
            return "province"
        if ubigeo in self.districts.index:
            return "district"
        return None

    def name(self, ubigeo: str) -> str:
        return self._names.get(ubigeo, ubigeo)

    @cached_property
    def _names(self) -> dict[str, str]:
        names = {code: str(n) for frame in (self.provinces, self.districts) for code, n in frame["name"].items()}
        names[self.region_ubigeo] = self.region_name
        return names

    @cached_property
    def _by_name(self) -> dict[str, str]:
        names = {fold(n): code for code, n in self.districts["name"].items()}
        names.setdefault(fold(self.region_name) + " region", self.region_ubigeo)
        names["region"] = self.region_ubigeo
        names[fold(f"región {self.region_name}")] = self.region_ubigeo
        names["total regional"] = self.region_ubigeo
        return names

    def district_by_name(self, text: object) -> str | None:
        """UBIGEO of a district name in any case, with or without accents (or the region's words)."""
        return self._by_name.get(fold(text))

    def area_names(self) -> dict[str, str]:
        out = {self.region_ubigeo: self.region_name}
        out.update(self.provinces["name"].to_dict())
        out.update(self.districts["name"].to_dict())
        return out

    def geojson(self, level: str = "district") -> dict:
        name = "tumbes_districts.geojson" if level == "district" else "tumbes_provinces.geojson"
        return json.loads((self.directory / name).read_text("utf-8"))


def load_territory(directory: str | Path | None = None) -> Territory:
    directory = Path(directory or DEFAULT_DIR)
    read = lambda n: pd.read_csv(directory / n, dtype=str, keep_default_na=False)  # noqa: E731
    region, provinces, districts = read("region.csv"), read("provinces.csv"), read("districts.csv")
    problems = []
    unknown = set(districts["province_ubigeo"]) - set(provinces["ubigeo"])
    if unknown:
        problems.append(both(f"districts.csv: provincias desconocidas {sorted(unknown)}",
                             f"districts.csv: unknown provinces {sorted(unknown)}"))
    if len(region) != 1:
        problems.append(both("region.csv debe tener una fila", "region.csv must have one row"))
    if districts["ubigeo"].duplicated().any():
        problems.append(both("districts.csv: UBIGEO repetido", "districts.csv: duplicate UBIGEO"))
    if problems:
        raise CatalogError(problems)
    return Territory(region_ubigeo=region.at[0, "ubigeo"], region_name=region.at[0, "name"],
                     provinces=provinces.set_index("ubigeo"), districts=districts.set_index("ubigeo"),
                     directory=directory)
