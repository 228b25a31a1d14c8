"""dossier.yaml's problems in the user's words: every pydantic error as the key path the user wrote (positions
counted from 1, an analysis's type tag left out) with a did-you-mean for an unknown key or value, and every text
too long or holding a word too long to lay out."""

from __future__ import annotations

import difflib
import re
from typing import Any

from pydantic import BaseModel, ValidationError

from dossier.analyses import registry
from dossier.config.limits import MAX_TEXT_BYTES, MAX_TOKEN_CHARS, long_token
from dossier.config.spec_types import _kind
from dossier.errors import Problem

UNION_MEMBER = re.compile(r"(constrained-)?str|int|float|list\[.*\]")  # pydantic's names of a union's members


def too_long(token: re.Match) -> str:
    return (f"a word of {len(token.group()):,} characters ({token.group()[:20]}...), more than the limit of "
            f"{MAX_TOKEN_CHARS} characters without a space or another place to break the line")


def long_words(raw: Any, where: str) -> list[Problem]:
    """A problem for every yaml text holding a word longer than MAX_TOKEN_CHARS (it could not be laid out)."""
    problems, stack, seen = [], [((), raw)], set()
    while stack:
        loc, value = stack.pop()
        if isinstance(value, (dict, list)):  # once each: yaml aliases share one object (a "billion laughs" file)
            if id(value) in seen:
                continue
            seen.add(id(value))
        if isinstance(value, str) and len(value) > MAX_TEXT_BYTES:
            problems.append(Problem(f"{where}: {key_path(loc)}", f"a text of {len(value):,} characters, more than "
                                    f"the limit of {MAX_TEXT_BYTES:,}"))
        elif isinstance(value, str):
            token = long_token(value)
            if token:
                problems.append(Problem(f"{where}: {key_path(loc)}", too_long(token)))
        elif isinstance(value, dict):
            stack.extend(((*loc, str(k)), v) for k, v in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend(((*loc, i), v) for i, v in reversed(list(enumerate(value))))
    return problems


def key_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part + 1}]"  # positions count from 1, as the user reads the yaml
        else:
            out += ("." if out else "") + str(part)
    return out


def _model_at(loc: tuple[Any, ...], root: type[BaseModel]) -> type[BaseModel] | None:
    """The pydantic model class that holds the key at `loc` (pydantic's, with the analysis type's tag after
    an analysis's index) (to suggest its known keys)."""
    model: Any = root
    for i, part in enumerate(loc[:-1]):
        if isinstance(part, int):
            continue
        if _is_tag(loc, i):
            model = registry.get(part).options
            continue
        field = model.model_fields.get(part) if isinstance(model, type) and issubclass(model, BaseModel) else None
        if field is None:
            return None
        ann = field.annotation
        model = _inner_model(ann)
        if model is None:
            return None
    return model


def _inner_model(ann: Any) -> type[BaseModel] | None:
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    for arg in getattr(ann, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _is_tag(loc: tuple[Any, ...], i: int) -> bool:
    """Whether loc[i] is the `type` of an analysis (pydantic puts a discriminated union's tag in the path)."""
    return i >= 2 and loc[i - 2] == "analyses" and isinstance(loc[i - 1], int) and loc[i] in registry.types()


def _type_list() -> str:
    names = [repr(name) for name in registry.union_order()]
    return ", ".join(names[:-1]) + " or " + names[-1]


def pydantic_problems(exc: ValidationError, raw: dict, where: str, root: type[BaseModel]) -> list[Problem]:
    """One problem per pydantic error, named by its key path as the user wrote it (`root`: the model of the whole
    file), with a did-you-mean for an unknown key or value."""
    problems = []
    seen = set()
    errors = exc.errors()
    for err in errors:
        if err["type"] == "too_short" and any(len(e["loc"]) > len(err["loc"]) and tuple(e["loc"][:len(err["loc"])])
                                              == tuple(err["loc"]) for e in errors):
            continue  # a list whose items were all refused: the items' own problems say why
        tagged = tuple(err["loc"])
        loc = tuple(p for i, p in enumerate(tagged) if not _is_tag(tagged, i))
        # pydantic reports union members separately (e.g. "where.X.str"); keep the user's path only
        user_loc = tuple(p for p in loc if not (isinstance(p, str) and UNION_MEMBER.fullmatch(p)))
        union, loc = user_loc != loc, user_loc
        key = key_path(loc)
        kind = err["type"]
        if kind in ("union_tag_not_found", "union_tag_invalid"):  # an analysis's `type`
            loc += ("type",)
            key = key_path(loc)
        if union and isinstance(err.get("input"), list) and not isinstance(loc[-1], int):
            continue  # a list: its list member names the element that is wrong
        if union:  # one line for the value, not one per type it could have had
            value = err.get("input")
            msg = f"must be a finite number or a text, or a list of them; got {_kind(value)}"
        elif kind == "extra_forbidden":
            model = _model_at(tagged, root)
            msg = "unknown key"
            if model is not None:
                close = difflib.get_close_matches(str(loc[-1]), list(model.model_fields), n=1, cutoff=0.6)
                if close:
                    msg += f" (did you mean '{close[0]}'?)"
        elif kind in ("missing", "union_tag_not_found"):
            msg = "required key is missing"
        elif kind == "union_tag_invalid":
            msg = f"must be one of {_type_list()}, got {err['ctx']['tag']!r}"
        elif kind == "literal_error":
            msg = f"must be one of {err['ctx']['expected']}, got {err.get('input')!r}"
            choices = re.findall(r"'([^']*)'", str(err["ctx"]["expected"]))
            close = difflib.get_close_matches(str(err.get("input")), choices, n=1, cutoff=0.6)
            if close:
                msg += f" (did you mean '{close[0]}'?)"
        elif kind == "local_text":
            msg = err["msg"]
        elif loc and loc[-1] == "[key]":  # a mapping's key (labels: a variable name)
            loc = loc[:-1]
            key = key_path(loc)
            msg = f"{str(loc[-1])!r} is not a variable name (letters, digits and _, starting with a letter)"
        elif kind == "string_pattern_mismatch" and loc[-1] == "id":
            msg = f"{err.get('input')!r} is not a valid id (use lower-case letters, digits, '-' and '_')"
        else:
            msg = err["msg"][0].lower() + err["msg"][1:]
            if "input" in err and not isinstance(err["input"], (dict, list)):
                msg += f", got {err['input']!r}"
        if (key, msg) in seen:
            continue
        seen.add((key, msg))
        problems.append(Problem(f"{where}: {key}" if key else where, msg))
    return problems

