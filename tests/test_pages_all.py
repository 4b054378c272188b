"""Every page runs without an exception or error message, in both languages, for each role that sees it."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def registered_pages() -> list[str]:
    tree = ast.parse((ROOT / "dashboard.py").read_text("utf-8"))
    return [node.elts[0].value for node in ast.walk(tree) if isinstance(node, ast.Tuple) and node.elts
            and isinstance(node.elts[0], ast.Constant) and str(node.elts[0].value).startswith("pages/")]


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("role, institution", [("public", None), ("admin", None)])
def test_every_page_runs_cleanly(app, lang, role, institution):
    at = app(role=role, institution=institution, lang=lang)
    seen = []
    for page in registered_pages():
        at.switch_page(page).run()
        problems = [e.value for e in at.exception] + [e.value for e in at.error]
        assert not problems, (page, problems)
        assert at.title or at.header or at.markdown, page
        seen.append(page)
    assert len(seen) >= 13
