"""A CQL subset, parsed into a predicate over pages and blog posts.

Fields: ``type``, ``space`` (``.key``/``.id``/``.type``), ``id``, ``title``, ``label``,
``parent``, ``ancestor``, ``creator``, ``contributor``,
``created`` and ``lastmodified`` with AND/OR/NOT, ``in``, ``now("-1d")`` and ``order by``.

Date literals (``"yyyy-MM-dd HH:mm"``, ``"yyyy/MM/dd"``...) are read in the caller's time zone,
as Confluence does. Anything else is a :class:`CqlError` (rendered as v1's 400).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dlt_atlassian.simulator.confluence.model import Content
from dlt_atlassian.simulator.confluence.store import Store

Predicate = Callable[[Content], bool]
_TOKEN = re.compile(
    r'\s*(?:("(?:[^"\\]|\\.)*")|(\'(?:[^\'\\]|\\.)*\')|(>=|<=|!=|!~|[=~<>(),])'
    r"|([^\s=~<>!(),\"']+))"
)
_DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_ORDER_FIELDS = {"lastmodified": "modified", "created": "created", "title": "title", "id": "id"}


class CqlError(ValueError):
    """The query cannot be parsed or uses something this simulator does not support."""


@dataclass(frozen=True)
class Query:
    """A parsed query: a predicate over content plus the ``order by`` terms."""

    predicate: Predicate
    order: tuple[tuple[str, bool], ...]  # (field, descending)


def _tokenize(cql: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(cql):
        if cql[pos:].strip() == "":
            break
        match = _TOKEN.match(cql, pos)
        if not match:
            raise CqlError(f"Could not parse cql : {cql}")
        dq, sq, op, word = match.groups()
        if dq or sq:
            out.append(("str", (dq or sq)[1:-1].replace('\\"', '"').replace("\\'", "'")))
        elif op:
            out.append(("op", op))
        else:
            out.append(("word", word))
        pos = match.end()
    return out


class _Parser:
    def __init__(self, cql: str, store: Store, now: datetime, zone: ZoneInfo) -> None:
        self.cql = cql
        self.tokens = _tokenize(cql)
        self.i = 0
        self.store = store
        self.now = now
        self.zone = zone

    def fail(self, why: str = "") -> CqlError:
        return CqlError(f"Could not parse cql : {self.cql}" + (f" ({why})" if why else ""))

    def peek(self, offset: int = 0) -> tuple[str, str] | None:
        j = self.i + offset
        return self.tokens[j] if j < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise self.fail("unexpected end")
        self.i += 1
        return token

    def keyword(self, word: str) -> bool:
        token = self.peek()
        if token and token[0] == "word" and token[1].lower() == word:
            self.i += 1
            return True
        return False

    def parse(self) -> Query:
        predicate = self.expr()
        order: list[tuple[str, bool]] = []
        if self.keyword("order"):
            if not self.keyword("by"):
                raise self.fail("expected BY")
            while True:
                field = self.take()[1].lower()
                if field not in _ORDER_FIELDS:
                    raise self.fail(f"cannot order by {field}")
                desc = self.keyword("desc")
                if not desc:
                    self.keyword("asc")
                order.append((_ORDER_FIELDS[field], desc))
                if self.peek() != ("op", ","):
                    break
                self.take()
        if self.peek() is not None:
            raise self.fail(f"unexpected {self.peek()[1]!r}")  # type: ignore[index]
        return Query(predicate, tuple(order))

    def expr(self) -> Predicate:
        parts = [self.term()]
        while self.keyword("or"):
            parts.append(self.term())
        return parts[0] if len(parts) == 1 else (lambda c: any(p(c) for p in parts))

    def term(self) -> Predicate:
        parts = [self.factor()]
        while self.keyword("and"):
            parts.append(self.factor())
        return parts[0] if len(parts) == 1 else (lambda c: all(p(c) for p in parts))

    def factor(self) -> Predicate:
        if self.keyword("not"):
            inner = self.factor()
            return lambda c: not inner(c)
        if self.peek() == ("op", "("):
            self.take()
            inner = self.expr()
            if self.take() != ("op", ")"):
                raise self.fail("expected )")
            return inner
        return self.clause()

    def values(self) -> list[Any]:
        if self.take() != ("op", "("):
            raise self.fail("expected (")
        out = [self.value()]
        while self.peek() == ("op", ","):
            self.take()
            out.append(self.value())
        if self.take() != ("op", ")"):
            raise self.fail("expected )")
        return out

    def value(self) -> Any:
        kind, text = self.take()
        if kind == "op":
            raise self.fail(f"unexpected {text!r}")
        if kind == "word" and self.peek() == ("op", "("):
            self.take()
            args: list[str] = []
            while self.peek() != ("op", ")"):
                _arg_kind, arg = self.take()
                if arg != ",":
                    args.append(arg)
            self.take()
            return self.function(text.lower(), args)
        return text

    def function(self, name: str, args: list[str]) -> datetime:
        if name != "now":
            raise self.fail(f"unsupported function {name}")
        if not args or not args[0]:
            return self.now
        match = re.fullmatch(r"([+-]?)(\d+)([mhdw])", args[0].strip())
        if not match:
            raise self.fail(f"bad now() offset {args[0]}")
        delta = timedelta(**{_UNITS[match.group(3)]: int(match.group(2))})
        return self.now - delta if match.group(1) == "-" else self.now + delta

    def clause(self) -> Predicate:
        kind, field = self.take()
        if kind != "word":
            raise self.fail(f"expected a field, got {field!r}")
        field = field.lower()
        if self.keyword("not"):
            if not self.keyword("in"):
                raise self.fail("expected IN")
            wanted = self.values()
            inner = self.compare(field, "=", wanted)
            return lambda c: not inner(c)
        if self.keyword("in"):
            return self.compare(field, "=", self.values())
        op_kind, op = self.take()
        if op_kind != "op" or op not in ("=", "!=", "~", "!~", ">", ">=", "<", "<="):
            raise self.fail(f"expected an operator after {field}")
        return self.compare(field, op, [self.value()])

    def date(self, value: Any) -> datetime:
        if isinstance(value, datetime):
            return value
        for fmt in _DATE_FORMATS:
            try:
                return datetime.strptime(str(value), fmt).replace(tzinfo=self.zone)
            except ValueError:
                continue
        raise self.fail(f"bad date {value!r}")

    def compare(self, field: str, op: str, values: list[Any]) -> Predicate:
        if field in ("lastmodified", "created"):
            if op not in ("=", "!=", ">", ">=", "<", "<="):
                raise self.fail(f"operator {op} not supported for {field}")
            when = self.date(values[0])
            attr = "modified_at" if field == "lastmodified" else "created_at"
            ops: dict[str, Callable[[datetime], bool]] = {
                "=": lambda t: t == when,
                "!=": lambda t: t != when,
                ">": lambda t: t > when,
                ">=": lambda t: t >= when,
                "<": lambda t: t < when,
                "<=": lambda t: t <= when,
            }
            test = ops[op]
            return lambda c: test(getattr(c, attr))
        getter = self.getter(field)
        wanted = {str(v).lower() for v in values}
        if op == "=":
            return lambda c: bool(getter(c) & wanted)
        if op == "!=":
            return lambda c: not getter(c) & wanted
        if op in ("~", "!~") and field in ("title", "text"):
            words = str(values[0]).lower().split()
            hit: Predicate = lambda c: all(w in c.title.lower() for w in words)  # noqa: E731
            return hit if op == "~" else (lambda c: not hit(c))
        raise self.fail(f"operator {op} not supported for {field}")

    def getter(self, field: str) -> Callable[[Content], set[str]]:
        store = self.store
        if field == "type":
            return lambda c: {c.kind}
        if field in ("space", "space.key"):
            return lambda c: {store.spaces[c.space_id].key.lower()}
        if field == "space.type":
            return lambda c: {store.spaces[c.space_id].type}
        if field == "creator":
            return lambda c: {c.author_id.lower()}
        if field == "contributor":
            return lambda c: {v.author_id.lower() for v in c.versions}
        if field == "space.id":
            return lambda c: {str(c.space_id)}
        if field in ("id", "content"):
            return lambda c: {str(c.id)}
        if field == "title":
            return lambda c: {c.title.lower()}
        if field == "label":
            return lambda c: {store.labels[cl.label_id].name for cl in c.labels}
        if field == "parent":
            return lambda c: {str(c.parent_id)} if c.parent_id is not None else set()
        if field == "ancestor":
            return lambda c: {str(a) for a in _ancestors(store, c)}
        raise self.fail(f"unsupported field {field}")


def _ancestors(store: Store, content: Content) -> list[int]:
    out: list[int] = []
    parent = content.parent_id
    while parent is not None and parent not in out:
        out.append(parent)
        found = store.contents.get(parent)
        parent = found.parent_id if found else None
    return out


def parse(cql: str, store: Store, now: datetime, zone: str) -> Query:
    """Parse ``cql`` into a :class:`Query`; dates are read in ``zone``."""
    if not cql.strip():
        raise CqlError("CQL query parameter is required but was empty")
    try:
        tz = ZoneInfo(zone)
    except (KeyError, ValueError):
        tz = ZoneInfo("UTC")
    return _Parser(cql, store, now, tz).parse()
