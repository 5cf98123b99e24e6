"""A small, read-only model of infra/ (parsed with python-hcl2) and of what the code relies on.

Terraform cannot run here (no provider download), so the tests read the configuration as data: the module
calls in infra/modules/tokenmeter (the whole stack), the resources of the other modules, and a tiny
evaluator for the few expression shapes the stack uses (``local.a.b``, ``values(local.a)``).
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2
from hcl2 import SerializationOptions

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
MODULES = INFRA / "modules"
ENVS = INFRA / "envs"
STACK = MODULES / "tokenmeter"

_OPTIONS = SerializationOptions(with_comments=False, strip_string_quotes=True, explicit_blocks=False)


class Unresolved(str):
    """An expression the mini-evaluator does not handle (kept as its text)."""


@functools.cache
def parse(path: Path) -> dict[str, Any]:
    with path.open() as fh:
        return hcl2.load(fh, serialization_options=_OPTIONS)  # type: ignore[no-any-return]


def parse_dir(directory: Path) -> dict[str, list[Any]]:
    """All top-level blocks of a module's .tf files, by block type."""
    merged: dict[str, list[Any]] = {}
    for path in sorted(directory.glob("*.tf")):
        for kind, blocks in parse(path).items():
            merged.setdefault(kind, []).extend(blocks)
    return merged


def labelled(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    """[{"name": body}, ...] -> {"name": body} (module, variable, output blocks)."""
    out: dict[str, Any] = {}
    for block in blocks:
        out.update(block)
    return out


def resources(directory: Path, kind: str) -> dict[str, dict[str, Any]]:
    """Resource name -> body for resources of type ``kind`` in a module."""
    out: dict[str, dict[str, Any]] = {}
    for block in parse_dir(directory).get("resource", []):
        if kind in block:
            out.update(block[kind])
    return out


def locals_of(directory: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for block in parse_dir(directory).get("locals", []):
        out.update(block)
    return out


def module_calls(directory: Path) -> dict[str, dict[str, Any]]:
    return labelled(parse_dir(directory).get("module", []))


_EXPR = re.compile(r"^\$\{(.*)\}$", re.S)
_LOCAL_PATH = re.compile(r"^local((?:\.[A-Za-z_][A-Za-z0-9_]*)+)$")
_VALUES = re.compile(r"^values\(local\.([A-Za-z_][A-Za-z0-9_]*)\)$")


def _lookup(locals_: dict[str, Any], dotted: str) -> Any:
    value: Any = locals_
    for part in dotted.strip(".").split("."):
        if not isinstance(value, dict) or part not in value:
            return Unresolved(dotted)
        value = value[part]
    return evaluate(value, locals_)


def evaluate(value: Any, locals_: dict[str, Any]) -> Any:
    """Resolve literals, ``local.a.b`` and ``values(local.a)``; anything else stays Unresolved text."""
    if isinstance(value, dict):
        return {_evaluate_key(k, locals_): evaluate(v, locals_) for k, v in value.items()}
    if isinstance(value, list):
        return [evaluate(v, locals_) for v in value]
    if not isinstance(value, str):
        return value
    match = _EXPR.match(value)
    if not match:
        return value
    expr = match.group(1).strip()
    if m := _LOCAL_PATH.match(expr):
        return _lookup(locals_, m.group(1))
    if m := _VALUES.match(expr):
        mapping = _lookup(locals_, m.group(1))
        return list(mapping.values()) if isinstance(mapping, dict) else Unresolved(expr)
    return Unresolved(expr)


def _evaluate_key(key: str, locals_: dict[str, Any]) -> Any:
    """Object keys written as expressions, ``(local.a.b) = ...``, parse as ``${(local.a.b)}``."""
    match = re.fullmatch(r"\$\{\((.*)\)\}", key, re.S)
    return evaluate("${" + match.group(1) + "}", locals_) if match else key


def env_keys(value: Any) -> set[str]:
    """Variable names in an environment map, or in a merge(...) expression of object literals."""
    if isinstance(value, dict):
        return set(value)
    if isinstance(value, str):
        return set(re.findall(r"\b([A-Z][A-Z0-9_]*)\s*=(?!=)", value))
    return set()


# --------------------------------------------------------------------------------------------------
# The stack


@dataclass(frozen=True)
class DeployedFunction:
    """One function as the stack declares it."""

    name: str
    module_source: str  # "../function" or "../api"
    call: dict[str, Any]  # the module call's arguments, evaluated where possible
    environment: set[str]
    secret_environment: dict[str, Any]

    @property
    def entry_point(self) -> Any:
        return self.call.get("entry_point")


@functools.cache
def stack_locals() -> dict[str, Any]:
    return locals_of(STACK)


@functools.cache
def stack_calls() -> dict[str, dict[str, Any]]:
    raw = module_calls(STACK)
    return {name: evaluate(body, stack_locals()) for name, body in raw.items()}


def _api_module_added_environment() -> set[str]:
    inner = module_calls(MODULES / "api")["function"]
    return {k for k in env_keys(inner.get("environment")) if k}


@functools.cache
def deployed_functions() -> dict[str, DeployedFunction]:
    out: dict[str, DeployedFunction] = {}
    for _label, call in stack_calls().items():
        source = call.get("source")
        if source not in ("../function", "../api"):
            continue
        environment = env_keys(call.get("environment"))
        if source == "../api":
            environment |= _api_module_added_environment()
        out[call["name"]] = DeployedFunction(
            name=call["name"],
            module_source=source,
            call=call,
            environment=environment,
            secret_environment=dict(call.get("secret_environment") or {}),
        )
    return out


def push_subscriptions() -> dict[str, dict[str, Any]]:
    return dict(stack_calls()["pubsub"]["push_subscriptions"])


def module_member_function(member_expr: Any) -> str | None:
    """``${module.collector.service_account_member}`` -> "collector"."""
    m = re.search(r"module\.([a-z_]+)\.service_account_member", str(member_expr))
    return m.group(1) if m else None


# --------------------------------------------------------------------------------------------------
# The code


def python_files(*folders: str) -> Iterator[Path]:
    for folder in folders:
        yield from sorted((ROOT / folder).rglob("*.py"))


@functools.cache
def _path_constants() -> dict[str, str]:
    """The collection names shared/adapters/paths.py defines (NAME = "value"): queries name collections by them."""
    tree = ast.parse((ROOT / "shared" / "adapters" / "paths.py").read_text())
    out: dict[str, str] = {}
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            out[node.targets[0].id] = node.value.value
    return out


def _const_str(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    # paths.ACCOUNTS and the like: the one module where collection names live.
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "paths":
        return _path_constants().get(node.attr)
    return None


def config_env_names() -> set[str]:
    """Names shared/config.py reads: e.get("X"), _int(e, "X"), _choice(e, "X"), _url(e, "X")."""
    tree = ast.parse((ROOT / "shared" / "config.py").read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "get" and isinstance(func.value, ast.Name):
            if func.value.id in ("e", "env") and (name := _const_str(node.args[0] if node.args else None)):
                names.add(name)
        elif isinstance(func, ast.Name) and func.id in ("_int", "_choice", "_url") and len(node.args) >= 2:
            name = _const_str(node.args[1])
            if name:
                names.add(name)
    return names


def os_environ_names(*folders: str) -> set[str]:
    """Names read straight from os.environ / os.getenv anywhere in the given folders."""
    names: set[str] = set()
    for path in python_files(*folders):
        for node in ast.walk(ast.parse(path.read_text())):
            name: str | None = None
            if isinstance(node, ast.Call):
                func = node.func
                reads_environ = isinstance(func, ast.Attribute) and (
                    (func.attr == "get" and _is_os_environ(func.value)) or func.attr == "getenv"
                )
                if reads_environ:
                    name = _const_str(node.args[0] if node.args else None)
            elif isinstance(node, ast.Subscript) and _is_os_environ(node.value):
                name = _const_str(node.slice)
            if name:
                names.add(name)
    return names


def secret_constants() -> dict[str, tuple[str, str]]:
    """Module-level string constants in shared/ naming secrets: NAME -> (value, file).

    ``*_SECRET`` names a secret the code reads (tm-sealing-key); ``*SECRET_PREFIX`` the prefix of the
    secrets it creates per account. Only tm-* values count: that is how the project names its cloud
    resources (a webhook's "whsec_" prefix is not a Secret Manager name).
    """
    out: dict[str, tuple[str, str]] = {}
    for path in python_files("shared"):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                name, value = node.targets[0].id, _const_str(node.value)
                named_like_one = name.endswith("_SECRET") or name.endswith("SECRET_PREFIX")
                if value is not None and value.startswith("tm-") and named_like_one:
                    out[name] = (value, str(path.relative_to(ROOT)))
    return out


def _is_os_environ(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "environ" and isinstance(node.value, ast.Name)


@dataclass(frozen=True)
class Query:
    """A Firestore query found in the code: collection id, scope and the fields it filters/orders on."""

    where: str  # file:line
    collection: str
    scope: str  # "COLLECTION" or "COLLECTION_GROUP"
    filters: tuple[tuple[str, str], ...]  # (field, operator)
    orders: tuple[tuple[str, str], ...]  # (field, "ASCENDING"/"DESCENDING")

    @property
    def fields(self) -> list[str]:
        seen: list[str] = []
        for field, _ in (*self.filters, *self.orders):
            if field not in seen:
                seen.append(field)
        return seen


class QueryScanError(AssertionError):
    pass


_QUERY_METHODS = {"where", "order_by"}
_INEQUALITIES = {"<", "<=", ">", ">=", "!=", "not-in"}


def firestore_queries() -> list[Query]:
    """Every where/order_by chain in modules that import google.cloud.firestore."""
    queries: list[Query] = []
    for path in python_files("shared", "functions"):
        source = path.read_text()
        if "google.cloud import firestore" not in source and "google.cloud.firestore" not in source:
            continue
        tree = ast.parse(source)
        _attach_parents(tree)
        for node in ast.walk(tree):
            if not _is_query_call(node) or _is_query_call(getattr(node, "_parent_call", None)):
                continue  # only the outermost call of each chain
            queries.append(_query_from_chain(node, path))
    return queries


def _attach_parents(tree: ast.AST) -> None:
    for parent in ast.walk(tree):
        for child in ast.iter_child_nodes(parent):
            child._parent = parent  # type: ignore[attr-defined]
    for node in ast.walk(tree):
        # The call whose receiver this call is: x.where(...).order_by(...) -> order_by's Call.
        parent = getattr(node, "_parent", None)
        if isinstance(parent, ast.Attribute):
            grand = getattr(parent, "_parent", None)
            if isinstance(grand, ast.Call) and grand.func is parent:
                node._parent_call = grand  # type: ignore[attr-defined]


def _is_query_call(node: Any) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _QUERY_METHODS


def _query_from_chain(outer: ast.Call, path: Path) -> Query:
    """Walk a query back to its collection, through local variables and the class's own helper methods
    (``query = self._col(t)``; ``query = query.where(...)``), collecting every filter and order on the way.
    Conditional refinements count: the index must serve the fullest form of the query."""
    where = f"{path.relative_to(ROOT)}:{outer.lineno}"
    filters: list[tuple[str, str]] = []
    orders: list[tuple[str, str]] = []
    node: ast.AST = outer
    for _ in range(50):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method = node.func.attr
            if method == "where":
                filters.insert(0, _where_field(node, where))
            elif method == "order_by":
                orders.insert(0, _order_field(node, where))
            elif method in ("collection_group", "collection") and _const_str(node.args[0] if node.args else None):
                scope = "COLLECTION_GROUP" if method == "collection_group" else "COLLECTION"
                return Query(where, str(_const_str(node.args[0])), scope, tuple(filters), tuple(orders))
            elif method in ("tenant_collection", "account_collection") and _const_str(
                node.args[-1] if node.args else None
            ):
                # paths.tenant_collection(db, tenant, NAME) / paths.account_collection(db, tenant, account, NAME)
                return Query(where, str(_const_str(node.args[-1])), "COLLECTION", tuple(filters), tuple(orders))
            if isinstance(node.func.value, ast.Name) and node.func.value.id == "self":
                node = _resolve_receiver(node) or node.func.value  # a helper method of the class
                continue
            node = node.func.value
            continue
        resolved = _resolve_receiver(node)
        if resolved is None:
            break
        node = resolved
    raise QueryScanError(
        f'{where}: cannot tell which collection this query reads; build it from collection("...") or '
        f'collection_group("...") through local variables or self._helper() methods, so infra\'s '
        f"indexes can be checked against it"
    )


def _where_field(call: ast.Call, where: str) -> tuple[str, str]:
    target: ast.AST | None = None
    for kw in call.keywords:
        if kw.arg == "filter":
            target = kw.value
    if target is None and len(call.args) >= 2:  # legacy where("field", "op", value)
        field, op = _const_str(call.args[0]), _const_str(call.args[1])
        if field and op:
            return field, op
    if isinstance(target, ast.Call) and len(target.args) >= 2:  # FieldFilter("field", "op", value)
        field, op = _const_str(target.args[0]), _const_str(target.args[1])
        if field and op:
            return field, op
    raise QueryScanError(f'{where}: cannot read the field of this where(): write FieldFilter("field", "op", v)')


def _order_field(call: ast.Call, where: str) -> tuple[str, str]:
    field = _const_str(call.args[0] if call.args else None)
    if not field:
        raise QueryScanError(f"{where}: cannot read the field of this order_by(): use a string literal")
    direction = "ASCENDING"
    for kw in call.keywords:
        if kw.arg == "direction" and "DESCENDING" in ast.unparse(kw.value).upper():
            direction = "DESCENDING"
    if len(call.args) >= 2 and "DESCENDING" in ast.unparse(call.args[1]).upper():
        direction = "DESCENDING"
    return field, direction


def _enclosing(node: ast.AST, kind: type[ast.AST]) -> Any:
    while node is not None and not isinstance(node, kind):
        node = getattr(node, "_parent", None)
    return node


def _resolve_receiver(node: ast.AST) -> ast.AST | None:
    """A query rooted in a local variable or in a call to one of the class's own methods: what it is."""
    if isinstance(node, ast.Name):
        func = _enclosing(node, ast.FunctionDef)
        if func is None:
            return None
        values = [
            a.value
            for a in ast.walk(func)
            if isinstance(a, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == node.id for t in a.targets)
            and a.lineno < node.lineno
        ]
        return values[-1] if values else None
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "self"
    ):
        cls = _enclosing(node, ast.ClassDef)
        for item in getattr(cls, "body", []):
            if isinstance(item, ast.FunctionDef) and item.name == node.func.attr:
                returns = [r.value for r in ast.walk(item) if isinstance(r, ast.Return) and r.value is not None]
                return returns[-1] if returns else None
    return None


def is_inequality(op: str) -> bool:
    return op in _INEQUALITIES
