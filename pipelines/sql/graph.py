"""The model graph: the tables a query reads (sqlglot's scope traversal), validation of
the references, topological order and cycles."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlglot import exp
from sqlglot.optimizer.scope import traverse_scope

from pipelines.sql.header import ModelError

if TYPE_CHECKING:
    from pipelines.sql.model import SqlModel


class GraphError(ModelError):
    """The model graph is broken: an unknown table is referenced, or there is a cycle."""


@dataclass(frozen=True)
class TableRef:
    """One reference to a table in a query: normalised ``schema.table`` and its file line."""

    table: str
    line: int | None


def _normalise(table: exp.Table) -> str | None:
    if not isinstance(table.this, exp.Identifier):
        return None  # table functions such as range(10) or read_csv(...)
    name = table.name.lower()
    db = table.db.lower()
    return f"{db}.{name}" if db else name


def _line_of(table: exp.Table) -> int | None:
    for node in (table.this, table):
        line = node.meta.get("line") if hasattr(node, "meta") else None
        if line is not None:
            return int(line)
    return None


def table_references(query: exp.Expression, line_offset: int = 0) -> list[TableRef]:
    """Tables a query reads, in order of appearance, with CTE names removed.

    Uses sqlglot's scope traversal: the tables of every scope minus the CTEs visible in
    that scope. Names are normalised to lower-case ``schema.table`` (unqualified names
    stay bare). ``line_offset`` is added to sqlglot's 1-based line numbers.
    """
    refs: list[TableRef] = []
    seen_nodes: set[int] = set()
    for scope in traverse_scope(query):
        ctes = {name.lower() for name in scope.cte_sources}
        for table in scope.tables:
            seen_nodes.add(id(table))
            norm = _normalise(table)
            if norm is None or (not table.db and norm in ctes):
                continue
            line = _line_of(table)
            refs.append(TableRef(norm, None if line is None else line + line_offset))
    # Safety net: a table node outside every scope (unusual syntax) is still a dependency
    # unless it names a CTE of the query.
    all_ctes = {cte.alias_or_name.lower() for cte in query.find_all(exp.CTE)}
    for table in query.find_all(exp.Table):
        if id(table) in seen_nodes:
            continue
        norm = _normalise(table)
        if norm is None or (not table.db and norm in all_ctes):
            continue
        if isinstance(table.parent, (exp.Create, exp.Insert)):
            continue
        line = _line_of(table)
        refs.append(TableRef(norm, None if line is None else line + line_offset))
    refs.sort(key=lambda r: (r.line is None, r.line or 0))
    return refs


def _find_cycle(edges: Mapping[str, Iterable[str]]) -> list[str] | None:
    """One cycle of the graph as ``[a, b, ..., a]``, or None. Deterministic (sorted order)."""
    WHITE, GREY, BLACK = 0, 1, 2
    colour = {n: WHITE for n in edges}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        colour[node] = GREY
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in colour:
                continue
            if colour[nxt] == GREY:
                return stack[stack.index(nxt):] + [nxt]
            if colour[nxt] == WHITE:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        colour[node] = BLACK
        return None

    for start in sorted(edges):
        if colour[start] == WHITE:
            found = visit(start)
            if found:
                return found
    return None


def _model_edges(models: Mapping[str, SqlModel]) -> dict[str, set[str]]:
    return {k: {d for d in m.depends_on if d in models} for k, m in models.items()}


def topological_order(models: Mapping[str, SqlModel]) -> list[str]:
    """Model keys with every model after the models it reads; ties broken alphabetically.

    Raises GraphError naming the cycle in data-flow order
    (``staging.a -> intermediate.b -> staging.a``: a feeds b, which feeds a).
    """
    edges = _model_edges(models)
    cycle = _find_cycle(edges)
    if cycle:
        flow = list(reversed(cycle))  # edges point to what a model reads; show the data flow
        raise GraphError(
            f"dependency cycle between SQL models (each feeds the next): {' -> '.join(flow)}"
        )
    remaining = {k: set(v) for k, v in edges.items()}
    order: list[str] = []
    while remaining:
        ready = sorted(k for k, deps in remaining.items() if not deps)
        for k in ready:
            order.append(k)
            del remaining[k]
        for deps in remaining.values():
            deps.difference_update(ready)
    return order


def descendants(models: Mapping[str, SqlModel], key: str) -> set[str]:
    """Every model built, directly or not, from ``key``."""
    children: dict[str, set[str]] = {k: set() for k in models}
    for k, deps in _model_edges(models).items():
        for d in deps:
            children[d].add(k)
    out: set[str] = set()
    todo = [key]
    while todo:
        for c in children[todo.pop()]:
            if c not in out:
                out.add(c)
                todo.append(c)
    return out


def validate_graph(models: Mapping[str, SqlModel], external: Iterable[str]) -> None:
    """Check that every referenced table is a model or an external table, and there is no cycle.

    Raises GraphError listing every unknown reference as ``<file>, line N: unknown table
    'schema.table'`` (model bodies and audits), or naming a cycle.
    """
    known = set(models) | {e.lower() for e in external}
    problems: list[str] = []
    hint = "it is neither a SQL model nor an external table"
    for key in sorted(models):
        model = models[key]
        for ref in model.references:
            if ref.table not in known:
                extra = "" if "." in ref.table else " (qualify it with its schema)"
                problems.append(f"{model.path}, line {ref.line}: unknown table '{ref.table}': {hint}{extra}")
        later = descendants(models, key)
        for name, ref in model.audit_references:
            if ref.table == key:
                continue
            if ref.table not in known:
                problems.append(f"{model.path}, line {ref.line} (audit {name!r}): unknown table '{ref.table}': {hint}")
            elif ref.table in later:
                problems.append(
                    f"{model.path}, line {ref.line} (audit {name!r}): reads '{ref.table}', "
                    f"which is built from {key}; an audit may only read the model, its upstream and external tables"
                )
    if problems:
        raise GraphError("broken SQL model graph:\n  " + "\n  ".join(problems))
    topological_order(models)
