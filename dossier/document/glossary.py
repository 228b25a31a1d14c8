"""The glossary: every fixed word of the documents, one file per language.

`templates/glossary/<lang>.yaml` maps keys to text (with `{name}` fields filled at render time). A trial folder's
`templates/glossary/<lang>.yaml` may override entries. The English glossary defines the keys;
a language missing any of them is an error naming the keys. Each file is read through
dossier.data.gate: a glossary that is a link leaving its templates folder is refused.
"""

from __future__ import annotations

from pathlib import Path

from dossier.errors import RenderError

LANGUAGES = ("en", "ja")


def _read(path: Path) -> dict[str, str]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RenderError(f"cannot read glossary: {str(exc).splitlines()[0]}", where=str(path)) from None
    except (RecursionError, ValueError):  # nested thousands deep; an integer of thousands of digits
        raise RenderError("cannot read glossary: not a mapping of key: text (nested too deeply or a number too "
                          "large)", where=str(path)) from None
    if not isinstance(data, dict):
        raise RenderError("glossary must be a mapping of key: text", where=str(path))
    return data


def _entries(templates: Path, lang: str) -> dict[str, str]:
    from dossier.data.gate import admit

    entries: dict[str, str] = {}
    path = templates / "glossary" / f"{lang}.yaml"
    if path.exists() or path.is_symlink():
        admit(path, templates)
        for key, value in _read(path).items():
            if not isinstance(value, str):
                raise RenderError(f"entry {key!r} must be text", where=str(path))
            entries[str(key)] = value
    return entries


def load_glossary(lang: str, template_dirs: list[Path]) -> dict[str, str]:
    """Merged glossary for `lang`; later (packaged) dirs are overridden by earlier (user) dirs."""
    merged: dict[str, str] = {}
    reference: dict[str, str] = {}
    for directory in reversed(template_dirs):
        gdir = directory / "glossary"
        if not gdir.is_dir():
            continue
        merged.update(_entries(directory, lang))
        reference.update(_entries(directory, "en"))
    missing = sorted(set(reference) - set(merged))
    if missing:
        shown = ", ".join(missing[:8]) + (f" and {len(missing) - 8} more" if len(missing) > 8 else "")
        raise RenderError(f"glossary for language {lang!r} lacks {len(missing)} key(s): {shown}",
                          where=f"templates/glossary/{lang}.yaml")
    return merged
