"""Data flows one way (docs/architecture.md): each stage package imports nothing from the stages that use it,
and the installed package holds no development tool (the reference.docx generator lives in scripts/)."""

from __future__ import annotations

import ast

from tests.conftest import ROOT

PACKAGE = ROOT / "dossier"
# stage package -> the packages (and top-level modules) above it, which it must never import: the stages that
# use its output. Stages below may be imported freely; config and analyses know each other (the spec's union of
# options models comes from the analysis types' declarations, which read the spec's types).
USERS = ("build", "preview", "cli", "__main__")
ABOVE = {
    "stats": ("config", "analyses", "document", "render", "outputs", "word", *USERS),
    "data": ("document", "render", "outputs", "word", *USERS),
    "analyses": ("render", "outputs", "word", *USERS),
    "document": ("render", "outputs", "word", *USERS),
    "render": ("outputs", "word", *USERS),
    "outputs": ("word", *USERS),
    "word": ("outputs", *USERS),
    "build": ("preview", "cli", "__main__"),
    "preview": ("cli", "__main__"),
}
BASE = ("errors", "control", "hashing")  # imported by every stage, import no stage


def imported_modules(path, root=ROOT) -> set[str]:
    """Every module a file imports (at the top or inside a function), relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


def stages_imported(path, root=ROOT) -> set[str]:
    """The first-level names under dossier (stage packages or top-level modules) a file imports."""
    return {m.split(".")[1] for m in imported_modules(path, root) if m.startswith("dossier.") and m.count(".") >= 1}


def test_the_tree_shows_the_stages():
    """dossier/ holds the stage packages and only the thin CLI and the shared base modules beside them."""
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert packages == {"config", "data", "analyses", "stats", "document", "render", "outputs", "build", "word",
                        "preview"}
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    assert modules == {"__init__", "__main__", "cli", *BASE}


def test_each_stage_imports_nothing_from_the_stages_above_it():
    bad = {}
    for stage, above in ABOVE.items():
        files = sorted((PACKAGE / stage).rglob("*.py"))
        assert files, stage
        for path in files:
            if hits := sorted(stages_imported(path) & set(above)):
                bad[str(path.relative_to(ROOT))] = hits
    for name in BASE:
        if hits := sorted(stages_imported(PACKAGE / f"{name}.py") - set(BASE) - {"__init__"}):
            bad[f"dossier/{name}.py"] = hits
    assert bad == {}


def test_the_import_scan_sees_imports_inside_functions(tmp_path):
    folder = tmp_path / "dossier" / "render"
    folder.mkdir(parents=True)
    probe = folder / "probe.py"
    probe.write_text("def f():\n    from dossier.outputs.files import write_csv\n    from ..build import pipeline\n",
                     encoding="utf-8")
    assert {"outputs", "build"} <= stages_imported(probe, root=tmp_path)


def test_the_package_ships_no_reference_docx_generator():
    """scripts/reference_docx.py makes templates/reference.docx; no module of dossier/ builds Word styles or
    imports the scripts folder (the file itself is a packaged template)."""
    assert (ROOT / "scripts" / "reference_docx.py").is_file()
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        modules = imported_modules(path)
        assert not any(m == "scripts" or m.startswith("scripts.") for m in modules), path
        assert "build_reference_docx" not in text and "add_style(" not in text, path


def test_the_architecture_page_names_every_module():
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    modules = [p.relative_to(PACKAGE).as_posix() for p in sorted(PACKAGE.rglob("*.py"))]
    assert len(modules) > 80
    missing = [m for m in modules if f"`{m}`" not in page and f"`dossier/{m}`" not in page]
    assert missing == []
