"""Partner uploads: read, check and refuse clearly (DOMAIN.md §6 and §7). Pure: no Streamlit, no storage.

    from gapsmodel.ingest import read_upload, UploadResult, Problem, UnreadableFile
    result = read_upload(data, "archivo.csv", catalog, territory, institution="ACNUR")
    if result.ok:
        store.add_batch(result.values, institution=result.institution, ...)

Modules: :mod:`.reading` (bytes to a grid of cells), :mod:`.columns` (which column is which, HXL),
:mod:`.values` (months, numbers and the decimal mark, categories), :mod:`.personal_data` (refusing it),
:mod:`.validation` (everything together, every problem at once), :mod:`.templates` (CSV and Excel templates).
"""
from .problems import Problem, UnreadableFile
from .templates import make_template_csv, make_template_xlsx
from .validation import UploadResult, read_upload

__all__ = ["read_upload", "UploadResult", "Problem", "UnreadableFile", "make_template_csv", "make_template_xlsx"]
