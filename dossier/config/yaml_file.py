"""Reading dossier.yaml: a regular UTF-8 file within the size limit, nested no deeper than the limit, parsed by
PyYAML's safe loader with dates kept as text and a key given twice refused, every failure one SpecError naming the
line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dossier.config.limits import MAX_YAML_BYTES, MAX_YAML_DEPTH
from dossier.data.gate import read_utf8
from dossier.errors import SpecError

SPEC_FILE = "dossier.yaml"


def read_yaml(path: Path) -> Any:
    import yaml

    if path.exists() and not path.is_file():
        raise SpecError("not a regular file (a folder, pipe or device cannot be read as dossier.yaml)", where=str(path))
    if not path.is_file():
        raise SpecError(f"not found (a trial folder needs a {SPEC_FILE})", where=str(path))
    text = read_utf8(path, MAX_YAML_BYTES, SpecError)

    class Loader(yaml.SafeLoader):
        """Dates stay text: pydantic parses them and names the key of a bad one. A key given twice
        in one mapping is an error (PyYAML would silently keep the last value)."""

        def construct_mapping(self, node, deep=False):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                if isinstance(key, (str, int, float, bool)) and key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"key {key!r} is given twice (first on line {seen[key] + 1})", key_node.start_mark)
                if isinstance(key, (str, int, float, bool)):
                    seen[key] = key_node.start_mark.line
            return super().construct_mapping(node, deep=deep)

    Loader.yaml_implicit_resolvers = {k: [r for r in v if r[0] != "tag:yaml.org,2002:timestamp"]
                                      for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    nesting = _deepest(text)
    if nesting[0] > MAX_YAML_DEPTH:
        raise SpecError(f"line {nesting[1]}: lists and mappings nested {nesting[0]} deep, more than the limit of "
                        f"{MAX_YAML_DEPTH}", where=str(path))
    try:
        return yaml.load(text, Loader=Loader)
    except yaml.YAMLError as exc:
        mark, context = getattr(exc, "problem_mark", None), getattr(exc, "context_mark", None)
        line = f" on line {mark.line + 1}" if mark is not None else ""
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if mark is not None and context is not None and context.line < mark.line:
            # PyYAML notices some mistakes lines later (a missing ':' or quote): name where the entry starts
            what = (getattr(exc, "context", None) or "").removeprefix("while ")
            line = f" on line {context.line + 1}"
            reason = f"{reason} ({what} that starts on line {context.line + 1}; noticed on line {mark.line + 1})"
        raise SpecError(f"invalid YAML{line}: {reason}", where=str(path)) from None
    except ValueError as exc:  # a number the constructor cannot convert (an integer of thousands of digits)
        raise SpecError(f"invalid YAML: {str(exc).split(';')[0]}", where=str(path)) from None
    except RecursionError:  # nesting the count above cannot see (block style mixed with aliases)
        raise SpecError(f"lists and mappings nested more than {MAX_YAML_DEPTH} deep", where=str(path)) from None


def _deepest(text: str) -> tuple[int, int]:
    """(depth, line) of the deepest nesting of flow collections ([...] and {...}) and indented block levels,
    found by scanning the YAML events, which PyYAML produces without recursion (its composer recurses)."""
    import yaml

    depth, deepest, line = 0, 0, 1
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > deepest:
                    deepest, line = depth, event.start_mark.line + 1
                if deepest > MAX_YAML_DEPTH:
                    break
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        pass  # reported with its line by the loader
    return deepest, line

