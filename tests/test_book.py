"""Static checks of the book's structure: toc, notebooks, citations, Colab cells, student edition."""

import re
from pathlib import Path

import nbformat
import pytest
import yaml

from vklib.notebooks import BEGIN, COLAB_SETUP, REPOSITORY, student_edition, wrap_checks

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))
CHAPTERS = [p for p in NOTEBOOKS if re.match(r"0[1-6]_", p.name)]


def _toc_files():
    files = [TOC["root"]]
    for part in TOC.get("parts", []):
        files += [c["file"] for c in part["chapters"]]
    files += [c["file"] for c in TOC.get("chapters", [])]
    return files


def _code_cells(path):
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def test_toc_lists_existing_files_and_every_notebook():
    files = _toc_files()
    for f in files:
        assert any((ROOT / f"{f}{ext}").exists() for ext in (".md", ".ipynb")), f"{f} is in _toc.yml but missing"
    for nb in NOTEBOOKS:
        assert f"chapters/{nb.stem}" in files, f"{nb.name} is not in _toc.yml"


def test_repository_url_is_set_once_and_matches_the_colab_cells():
    assert CONFIG["repository"]["url"] == REPOSITORY
    assert CONFIG["execute"]["execute_notebooks"] == "off"


def test_no_empty_index_page_in_the_navigation():
    # The book defines no index entries: Sphinx's general index would be an empty "Index" page
    # linked from every page (tests/test_site.py checks the built site has none).
    sources = [p.read_text() for p in (ROOT / "chapters").glob("*.md")]
    sources += [c.source for nb in NOTEBOOKS for c in nbformat.read(nb, as_version=4).cells]
    if not any(re.search(r"\{index\}|:::\{index|```\{index", text) for text in sources):
        assert CONFIG["sphinx"]["config"].get("html_use_index") is False
    assert "genindex" not in (ROOT / "_toc.yml").read_text()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_executed_in_order(path):
    cells = [c for c in _code_cells(path) if c.source.strip()]
    assert cells, f"{path.name} has no code"
    assert cells[0].source.strip() == COLAB_SETUP.strip(), "the first code cell must be the Colab set-up cell"
    counts = [c.execution_count for c in cells]
    assert None not in counts, f"{path.name}: cells without outputs; execute it top to bottom"
    assert counts == sorted(counts) and counts[0] == 1, f"{path.name}: execution counts out of order: {counts}"
    for c in cells:
        for out in c.outputs:
            assert out.output_type != "error", f"{path.name}: a cell ended with an error: {out.get('evalue')}"
        for bad in ("cv2.imshow", "selectROI", "waitKey"):
            assert bad not in c.source, f"{path.name} uses {bad}, which fails in Colab and on the website"
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapters_have_checked_exercises(path):
    cells = _code_cells(path)
    solutions = [c for c in cells if "solution" in c.metadata.get("tags", [])]
    checks = [c for c in cells if "check" in c.metadata.get("tags", [])]
    assert len(solutions) >= 3 and len(checks) >= 3, f"{path.name}: {len(solutions)} solutions, {len(checks)} checks"
    for c in solutions:
        assert "hide-input" in c.metadata["tags"], "solutions are hidden on the website"
    for c in checks:
        # a call of check / check_* (vklib.exercises or a chapter's questions module), which the
        # nbgrader edition can wrap in must_pass (wrap_checks raises ValueError otherwise)
        assert "must_pass(" in wrap_checks(c.source)


def test_every_citation_exists_in_references_bib():
    keys = set(re.findall(r"^@\w+\{([^,]+),", (ROOT / "references.bib").read_text(), flags=re.M))
    sources = [p.read_text() for p in (ROOT / "chapters").glob("*.md")]
    for nb in NOTEBOOKS:
        sources += [c.source for c in nbformat.read(nb, as_version=4).cells if c.cell_type == "markdown"]
    cited = set()
    for text in sources:
        for group in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", text):
            cited |= {k.strip() for k in group.split(",")}
    assert cited, "the book cites nothing"
    assert cited <= keys, f"cited but not in references.bib: {sorted(cited - keys)}"


def test_student_edition_of_the_book_has_no_solutions(tmp_path):
    written = student_edition(ROOT / "chapters", tmp_path)
    assert len(written) == len(NOTEBOOKS)
    for original, student in zip(NOTEBOOKS, sorted(written)):
        sol = [c for c in _code_cells(original) if "solution" in c.metadata.get("tags", [])]
        stu = [c for c in _code_cells(student) if "solution" in c.metadata.get("tags", [])]
        for a, b in zip(sol, stu):
            assert BEGIN not in b.source and b.outputs == []
            body = a.source.split(BEGIN, 1)[-1].split("### END SOLUTION", 1)[0].strip()
            if body:
                assert body not in b.source
