"""The typed shape of evidence.json entries, as each analysis type declares it (its `Evidence` TypedDict).

A type's `Evidence` lists the keys it adds to its entry (beside the ones every entry has: type, population,
arm, filters, datasets, method, warnings), each `Annotated[<shape>, "<meaning>"]`; shapes are built from
TypedDicts (named objects), `dict[str, X]` (keyed by arm, visit, ...), `list[X]`, `Literal[...]`, `str`,
`int`, `float` and `Number` (a statistic, null when not estimable). `markdown()` writes the README's
tables from the declarations, `problems()` checks a real entry against them (tests/test_registry.py).
Light module.
"""

from __future__ import annotations

import types
import typing
from typing import Any, Literal, NotRequired, TypedDict, Union

Number = float | None  # a statistic at full precision; null when not estimable
Interval = list[float | None]  # [lower, upper] confidence limits, null when not estimable
Counts = dict[str, int]  # arm (or Total) -> subjects

COMMON_KEYS = ("type", "population", "arm", "filters", "datasets", "method", "warnings")
_NAMES = {str: "text", int: "integer", float: "number", bool: "true or false", type(None): "null"}


def _is_typeddict(hint: Any) -> bool:
    return isinstance(hint, type) and typing.is_typeddict(hint)


def _unwrap(hint: Any) -> tuple[Any, bool, str]:
    """(shape, optional key, meaning) of a TypedDict field's hint."""
    optional, meaning = False, ""
    while True:
        origin = typing.get_origin(hint)
        if origin is NotRequired:
            optional, hint = True, typing.get_args(hint)[0]
        elif origin is typing.Annotated:
            meaning = hint.__metadata__[0]
            hint = typing.get_args(hint)[0]
        else:
            return hint, optional, meaning


def fields(shape: type) -> list[tuple[str, Any, bool, str]]:
    """(key, shape, optional, meaning) of each key of a TypedDict, in declaration order."""
    hints = typing.get_type_hints(shape, include_extras=True)
    return [(key, *_unwrap(hint)) for key, hint in hints.items()]


def text(hint: Any) -> str:
    """A shape as the README shows it."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if _is_typeddict(hint):
        return hint.__name__
    if origin is Literal:
        return " or ".join(f'"{a}"' for a in args)
    if origin in (Union, types.UnionType):
        return " or ".join(text(a) for a in args)
    if origin is list:
        return f"[{text(args[0])}]"
    if origin is dict:
        return f"{{{text(args[0])}: {text(args[1])}}}"
    return _NAMES.get(hint, getattr(hint, "__name__", str(hint)))


def named_shapes(hint: Any, found: dict[str, type] | None = None) -> dict[str, type]:
    """Every TypedDict inside `hint` (itself included), by name, outermost first."""
    found = {} if found is None else found
    if _is_typeddict(hint):
        if hint.__name__ not in found:
            found[hint.__name__] = hint
            for _, shape, _, _ in fields(hint):
                named_shapes(shape, found)
        return found
    for arg in typing.get_args(hint):
        named_shapes(arg, found)
    return found


def problems(value: Any, hint: Any, path: str = "") -> list[str]:
    """Where `value` (parsed JSON) departs from the shape `hint`: 'path: what' for each departure."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if _is_typeddict(hint):
        if not isinstance(value, dict):
            return [f"{path}: expected an object, got {type(value).__name__}"]
        out = []
        declared = {key: (shape, optional) for key, shape, optional, _ in fields(hint)}
        for key in value.keys() - declared.keys():
            out.append(f"{path}/{key}: not declared in {hint.__name__}")
        for key, (shape, optional) in declared.items():
            if key in value:
                out.extend(problems(value[key], shape, f"{path}/{key}"))
            elif not optional:
                out.append(f"{path}/{key}: missing (declared in {hint.__name__})")
        return out
    if origin is Literal:
        return [] if value in args else [f"{path}: {value!r} is not {text(hint)}"]
    if origin in (Union, types.UnionType):
        tried = [problems(value, a, path) for a in args]
        return [] if any(not t for t in tried) else min(tried, key=len)
    if origin is list:
        if not isinstance(value, list):
            return [f"{path}: expected a list, got {type(value).__name__}"]
        return [p for i, item in enumerate(value) for p in problems(item, args[0], f"{path}[{i}]")]
    if origin is dict:
        if not isinstance(value, dict):
            return [f"{path}: expected an object, got {type(value).__name__}"]
        return [p for key, item in value.items() for p in problems(item, args[1], f"{path}/{key}")]
    if hint is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif hint is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif hint is type(None):
        ok = value is None
    else:
        ok = isinstance(value, hint)
    return [] if ok else [f"{path}: {value!r} is not {text(hint)}"]


def markdown(evidence_by_type: dict[str, type]) -> str:
    """The README's evidence tables: each type's keys, then the keys of every named shape they use."""
    lines = ["| `type` | key | value | meaning |", "| --- | --- | --- | --- |"]
    shapes: dict[str, type] = {}
    for name, evidence in evidence_by_type.items():
        for key, shape, optional, meaning in fields(evidence):
            lines.append(f"| `{name}` | `{key}`{' (optional)' if optional else ''} | {_cell(text(shape))} | "
                         f"{_cell(meaning)} |")
            for inner, declared in named_shapes(shape).items():
                shapes.setdefault(inner, declared)
    lines += ["", "| shape | keys |", "| --- | --- |"]
    for inner, declared in shapes.items():
        keys = ", ".join(f"`{key}`{'?' if optional else ''}: {text(shape)}" for key, shape, optional, _ in
                         fields(declared))
        lines.append(f"| {inner} | {_cell(keys)} |")
    return "\n".join(lines)


def _cell(value: str) -> str:
    return value.replace("|", "\\|")


# ------------------------------------------------------------------ shapes shared by the types with `subgroups:`


class Responders(TypedDict):
    """Observed responders of one arm at one visit (`mcid:` of change_from_baseline and mmrm)."""

    n: int
    N: int
    rate: Number
    ci: Interval


class SubgroupComparison(TypedDict):
    group: str
    reference: str
    estimate: Number
    ci: Interval


class SubgroupLevel(TypedDict):
    n: Counts
    events: Counts | None
    estimate: NotRequired[Number]
    ci: NotRequired[Interval]
    comparisons: NotRequired[list[SubgroupComparison]]


class InteractionP(TypedDict):
    group: str
    reference: str
    p: Number


# a subgroup variable: its levels (by key: the value, or "<65", "65-<75", ">=75" for classes) and, under
# "p_interaction", the interaction p-value (a list of InteractionP with several active arms)
Subgroup = dict[str, SubgroupLevel | Number | list[InteractionP]]


class PopulationEffect(TypedDict):
    n: Counts
    estimate: Number
    ci: Interval


class RegionEffect(TypedDict):
    region: str
    n: Counts
    estimate: Number
    ci: Interval
    same_direction: bool | None


class Planning(TypedDict):
    n_japan: int
    n_total: int
    threshold: float
    probability: float


class JapanConsistency(TypedDict):
    group: str
    reference: str
    japan: PopulationEffect
    overall: PopulationEffect
    ratio: Number
    threshold: float
    method1: bool | None
    method2: bool | None
    regions: list[RegionEffect]
    planning: list[Planning]


SUBGROUPS_MEANING = ("with `subgroups:`: by variable and level, subjects (and events or responders) per arm, the "
                     "effect with its CI (per comparison with several active arms) and `p_interaction`")
JAPAN_MEANING = ("with `subgroups:` and `japanese_population:`: Japanese and overall effects, Method 1 ratio vs "
                 "threshold, Method 2 directions by region, planning probabilities (a list with several active arms)")


def flatten(node: Any, prefix: str = "") -> dict[str, Any]:
    """Every leaf of an evidence entry (any JSON value) by its path, as check, diff and refresh name them; list elements by index, comparisons by their group."""
    out: dict[str, Any] = {}
    if isinstance(node, dict):
        for key, value in node.items():
            out.update(flatten(value, f"{prefix}/{key}" if prefix else str(key)))
    elif isinstance(node, list):
        if node and all(isinstance(x, dict) and "group" in x for x in node):
            for x in node:
                out.update(flatten(x, f"{prefix}/{x['group']}"))
        elif node and all(isinstance(x, (int, float)) or x is None for x in node):
            out[prefix] = node
        else:
            for i, x in enumerate(node):
                out.update(flatten(x, f"{prefix}/{i}"))
    else:
        out[prefix] = node
    return out
