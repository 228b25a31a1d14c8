"""Data flows one way (docs/architecture.md): the renderers import nothing from the layers above them, and the
installed package holds no development tool (the reference.docx generator lives in scripts/)."""

from __future__ import annotations

import ast

from tests.conftest import ROOT

PACKAGE = ROOT / "dossier"
# the modules that use the renderers' output (or run the build): a renderer importing one reaches back up
ABOVE_RENDER = ("dossier.outputs", "dossier.pipeline", "dossier.cli", "dossier.audit", "dossier.manifest",
                "dossier.preview", "dossier.redline", "dossier.word_import", "dossier.diff")


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


def test_the_renderers_import_nothing_from_a_layer_above_them():
    render = sorted((PACKAGE / "render").glob("*.py"))
    assert len(render) >= 5
    for path in render:
        above = sorted(m for m in imported_modules(path) if m.startswith(ABOVE_RENDER))
        assert above == [], f"{path.relative_to(ROOT)} imports {above}"


def test_the_import_scan_sees_imports_inside_functions(tmp_path):
    folder = tmp_path / "dossier" / "render"
    folder.mkdir(parents=True)
    probe = folder / "probe.py"
    probe.write_text("def f():\n    from dossier.outputs import write_csv\n    from ..pipeline import build\n",
                     encoding="utf-8")
    found = imported_modules(probe, root=tmp_path)
    assert {"dossier.outputs", "dossier.pipeline"} <= found


def test_the_package_ships_no_reference_docx_generator():
    """scripts/reference_docx.py makes templates/reference.docx; no module of dossier/ builds Word styles or
    imports the scripts folder (the file itself is a packaged template)."""
    assert (ROOT / "scripts" / "reference_docx.py").is_file()
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        modules = imported_modules(path)
        assert not any(m == "scripts" or m.startswith("scripts.") for m in modules), path
        assert "build_reference_docx" not in text and "add_style(" not in text, path
