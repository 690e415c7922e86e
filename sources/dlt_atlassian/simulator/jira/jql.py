"""A pure parser and compiler for the JQL subset the simulator understands.

Supported: ``project``, ``key``/``issuekey``, ``id``, ``status``, ``created``, ``updated``
with ``= != > >= < <= in / not in``; ``AND``, ``OR``, ``NOT``, parentheses and
``ORDER BY field [ASC|DESC], ...``. Date values are epoch milliseconds or the quoted formats
Jira accepts (``yyyy/MM/dd HH:mm``, ``yyyy-MM-dd HH:mm``, ``yyyy/MM/dd``, ``yyyy-MM-dd``) read in
the caller's profile time zone, minute precision only, or a relative period such as ``-5d``.
Anything else raises :class:`JqlError` carrying Jira's message. This module parses;
:mod:`.jql_compile` turns a parsed condition into a predicate over index rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r"""\s*(?:(?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
                     |(?P<op>!=|>=|<=|=|>|<|\(|\)|,)
                     |(?P<word>[^\s=!<>(),"']+))""", re.VERBOSE)
_FIELDS = {"project": "project", "key": "key", "issuekey": "key", "id": "id", "status": "status",
           "created": "created", "createddate": "created", "updated": "updated",
           "updateddate": "updated", "issuetype": "issuetype", "type": "issuetype",
           "statuscategory": "statuscategory"}
_SORTABLE = {"updated", "created", "key", "id", "status", "project"}


class JqlError(ValueError):
    """A query Jira would reject with 400; ``str(err)`` is Jira's error message."""


@dataclass(frozen=True)
class Clause:
    """``field op value(s)``; ``values`` holds raw tokens (quoted strings keep their quotes)."""

    field: str
    op: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class BoolOp:
    """``AND``/``OR`` over children, or ``NOT`` over one."""

    op: str
    children: tuple[Node, ...]


Node = Clause | BoolOp


@dataclass(frozen=True)
class Query:
    """A parsed query: ``where`` is None when there is no restriction."""

    where: Node | None
    order_by: tuple[tuple[str, bool], ...]  # (field, descending)


def _tokens(text: str) -> list[tuple[str, str, int]]:
    out: list[tuple[str, str, int]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise JqlError(f"Error in the JQL Query: The character '{text[pos]}' is a reserved "
                           f"JQL character. (line 1, character {pos})")
        kind = match.lastgroup or "word"
        out.append((kind, match.group(kind), match.start(kind)))
        pos = match.end()
    return out


class _Parser:
    def __init__(self, text: str):
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, str, int] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def word(self, *expected: str) -> bool:
        tok = self.peek()
        if tok and tok[0] == "word" and tok[1].lower() in expected:
            self.i += 1
            return True
        return False

    def take(self, what: str) -> str:
        tok = self.peek()
        if tok is None:
            raise JqlError(f"Error in the JQL Query: Expecting {what} but reached the end of "
                           "the query.")
        self.i += 1
        return tok[1]

    def fail(self, expecting: str) -> JqlError:
        tok = self.peek()
        if tok is None:
            return JqlError(f"Error in the JQL Query: Expecting {expecting} but reached the end "
                            "of the query.")
        return JqlError(f"Error in the JQL Query: Expecting {expecting} but got '{tok[1]}'. "
                        f"(line 1, character {tok[2] + 1})")

    def parse(self) -> Query:
        where = None
        if self.peek() and not self._at_order():
            where = self.or_expr()
        order: list[tuple[str, bool]] = []
        if self._at_order():
            self.i += 2
            while True:
                name = self.take("a field name").lower()
                field = _FIELDS.get(name, name)
                if field not in _SORTABLE:
                    raise JqlError(f"Not able to sort using field '{name}'.")
                desc = False
                if self.word("desc"):
                    desc = True
                else:
                    self.word("asc")
                order.append((field, desc))
                tok = self.peek()
                if tok and tok[1] == ",":
                    self.i += 1
                    continue
                break
        if self.peek() is not None:
            raise self.fail("either 'OR' or 'AND'" if where else "a field name")
        return Query(where, tuple(order))

    def _at_order(self) -> bool:
        tok, nxt = self.peek(), self.toks[self.i + 1] if self.i + 1 < len(self.toks) else None
        return bool(tok and nxt and tok[1].lower() == "order" and nxt[1].lower() == "by")

    def or_expr(self) -> Node:
        nodes = [self.and_expr()]
        while self.word("or"):
            nodes.append(self.and_expr())
        return nodes[0] if len(nodes) == 1 else BoolOp("or", tuple(nodes))

    def and_expr(self) -> Node:
        nodes = [self.unary()]
        while self.word("and"):
            nodes.append(self.unary())
        return nodes[0] if len(nodes) == 1 else BoolOp("and", tuple(nodes))

    def unary(self) -> Node:
        if self.word("not"):
            return BoolOp("not", (self.unary(),))
        tok = self.peek()
        if tok and tok[1] == "(":
            self.i += 1
            node = self.or_expr()
            tok = self.peek()
            if not tok or tok[1] != ")":
                raise self.fail("')'")
            self.i += 1
            return node
        return self.clause()

    def clause(self) -> Clause:
        tok = self.peek()
        if tok is None or tok[0] != "word":
            raise self.fail("a field name")
        self.i += 1
        name = tok[1].lower().strip()
        if name not in _FIELDS:
            raise JqlError(f"Field '{tok[1]}' does not exist or you do not have permission to "
                           "view it.")
        field = _FIELDS[name]
        if self.word("is"):
            negate = self.word("not")
            if not (self.word("empty") or self.word("null")):
                raise self.fail("'EMPTY'")
            return Clause(field, "is not" if negate else "is", ("EMPTY",))
        if self.word("in"):
            return Clause(field, "in", self.value_list())
        if self.word("not"):
            if not self.word("in"):
                raise self.fail("'IN'")
            return Clause(field, "not in", self.value_list())
        op_tok = self.peek()
        if op_tok is None or op_tok[0] != "op" or op_tok[1] in "(),":
            raise self.fail("operator")
        self.i += 1
        value = self.peek()
        if value is None or value[0] == "op":
            raise self.fail("either a value, list or function")
        self.i += 1
        return Clause(field, op_tok[1], (value[1],))

    def value_list(self) -> tuple[str, ...]:
        tok = self.peek()
        if not tok or tok[1] != "(":
            raise self.fail("'('")
        self.i += 1
        values: list[str] = []
        while True:
            tok = self.peek()
            if tok is None or tok[0] == "op":
                raise self.fail("either a value, list or function")
            values.append(tok[1])
            self.i += 1
            tok = self.peek()
            if tok and tok[1] == ",":
                self.i += 1
                continue
            if tok and tok[1] == ")":
                self.i += 1
                return tuple(values)
            raise self.fail("')'")


def parse(text: str) -> Query:
    """Parse ``text`` into a :class:`Query` or raise :class:`JqlError`."""
    return _Parser(text or "").parse()


def unquote(raw: str) -> str:
    """Strip JQL quotes and escapes from a value token."""
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        return re.sub(r"\\(.)", r"\1", raw[1:-1])
    return raw
