"""D1: the Python API of a Cloudflare D1 binding, on a local SQLite database.

:class:`D1Database` behaves as a D1 binding does, as recorded statement by statement from
miniflare (Cloudflare's local simulator, the engine of ``wrangler dev``): ``prepare`` /
``bind`` / ``first`` / ``all`` / ``run`` / ``raw``, an atomic ``batch``, a line-by-line
``exec``, the ``meta`` object, D1's error texts (``D1_ERROR: no such table: x:
SQLITE_ERROR``) and its restrictions (no ``BEGIN``/``SAVEPOINT``, a short list of
PRAGMAs, no ``ATTACH``, no ``_cf_*`` tables, no ``sqlite_version()``).

Values cross D1 as JSON between JavaScript and the database, and a Python Worker sees
them after Pyodide's JS -> Python conversion.  The local store gives the values that
conversion gives, so that a handler gets the same answer locally and on Cloudflare:

* every number binds as REAL (JavaScript has only doubles): ``1`` bound into a TEXT
  column is stored as ``'1.0'``; ``True``/``False`` bind as ``1.0``/``0.0``;
  NaN and infinities bind as NULL and ``-0.0`` as ``0.0``;
* an ``int`` beyond +-(2**53 - 1) would reach D1 as a JavaScript BigInt, which D1
  rejects: it raises ``D1_TYPE_ERROR`` at ``bind()``;
* a number read back is an ``int`` when it is a whole number within +-(2**53 - 1) (a
  REAL ``2.0`` reads as ``2``), a ``float`` otherwise (larger integers lose precision as
  they do in D1); an infinite REAL reads as ``None``;
* BLOBs read back as ``bytes`` (D1 sends arrays of byte values; a Python wrapper turns
  them back into bytes, the natural Python type, so ``bytes`` in, ``bytes`` out).

Storage: one SQLite file per database (``":memory:"`` for tests) in WAL mode with
``synchronous=FULL`` and a busy timeout.  Every call runs in its own transaction
(``BEGIN IMMEDIATE``), committed before the call returns; a failing statement, batch
or exec rolls the whole call back.  The SQLite calls are small and synchronous inside
the async methods: a local database has no network to wait for.

``meta.rows_read`` / ``rows_written`` come from workerd's SQLite cursor in D1, which
Python cannot read: here they are the rows returned and the rows changed.

The API's shared types and value binding (:class:`D1Error`, :class:`D1Result`,
:class:`D1Meta`, :class:`D1ExecResult`) are defined in :mod:`edgekit.bindings.d1_api`,
which the Workers wrappers use without ``sqlite3``; this module re-exports them, so
import them from here.
"""

from __future__ import annotations

import sqlite3
import time

from .d1_api import CONSTRAINTS_RESET, MAX_SAFE_INTEGER, D1Error, D1ExecResult, D1Meta, D1Result, sql_value

TYPE_CHECKING = False
if TYPE_CHECKING:
    import os
    from collections.abc import Iterable, Sequence
    from typing import Any

    from .d1_api import SQLValue

__all__ = [
    "D1Database",
    "D1Error",
    "D1ExecResult",
    "D1Meta",
    "D1PreparedStatement",
    "D1Result",
    "conformance_factory",
    "split_statements",
]

MAX_VARIABLES = 100  # D1 lowers SQLite's limit on ?NNN and on the number of parameters
SERVED_BY = "edgekit.local"
_INF = float("inf")

TRANSACTION_REFUSED = (
    "To execute a transaction, please use the state.storage.transaction() or"
    " state.storage.transactionSync() APIs instead of the SQL BEGIN TRANSACTION or SAVEPOINT"
    " statements. The JavaScript API is safer because it will automatically roll back on"
    " exceptions, and because it interacts correctly with Durable Objects' automatic atomic"
    " write coalescing."
)
PARAMETERS_BEFORE_LAST = (
    "When executing multiple SQL statements in a single call, only the last statement can have parameters."
)
_TRANSACTION_KEYWORDS = frozenset({"BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"})
# Statements that may change the schema without changing a row (changed_db is then true).
_SCHEMA_KEYWORDS = frozenset({"CREATE", "DROP", "ALTER"})

# The PRAGMAs D1 documents as supported; any other is "not authorized".
ALLOWED_PRAGMAS = frozenset(
    {
        "case_sensitive_like",
        "data_version",
        "defer_foreign_keys",
        "foreign_key_check",
        "foreign_key_list",
        "foreign_keys",
        "freelist_count",
        "ignore_check_constraints",
        "index_info",
        "index_list",
        "index_xinfo",
        "integrity_check",
        "legacy_alter_table",
        "max_page_count",
        "optimize",
        "page_count",
        "quick_check",
        "recursive_triggers",
        "reverse_unordered_selects",
        "table_info",
        "table_list",
        "table_xinfo",
    }
)
# Functions that reveal or extend the engine, refused like D1's sqlite_version().
DENIED_FUNCTIONS = frozenset(
    {
        "sqlite_version",
        "sqlite_source_id",
        "sqlite_compileoption_get",
        "sqlite_compileoption_used",
        "load_extension",
        "fts3_tokenizer",
    }
)
_CF_PREFIX = "_cf_"  # D1's internal tables; the check is case-sensitive as in D1 (_CF_x is allowed)
# Authorizer actions whose first argument is a table name, and those where it is the second.
_TABLE_FIRST = frozenset(
    {
        sqlite3.SQLITE_CREATE_TABLE,
        sqlite3.SQLITE_CREATE_TEMP_TABLE,
        sqlite3.SQLITE_DROP_TABLE,
        sqlite3.SQLITE_DROP_TEMP_TABLE,
        sqlite3.SQLITE_INSERT,
        sqlite3.SQLITE_UPDATE,
        sqlite3.SQLITE_DELETE,
        sqlite3.SQLITE_READ,
    }
)
_TABLE_SECOND = frozenset(
    {
        sqlite3.SQLITE_CREATE_INDEX,
        sqlite3.SQLITE_DROP_INDEX,
        sqlite3.SQLITE_CREATE_TRIGGER,
        sqlite3.SQLITE_ALTER_TABLE,
    }
)
_REFUSED_ACTIONS = frozenset(
    {
        sqlite3.SQLITE_ATTACH,
        sqlite3.SQLITE_DETACH,
        sqlite3.SQLITE_TRANSACTION,
        sqlite3.SQLITE_SAVEPOINT,
    }
)
# SQLite's primary result codes by number, for D1's ": SQLITE_<CODE>" suffix.
_PRIMARY_CODES = (
    "OK ERROR INTERNAL PERM ABORT BUSY LOCKED NOMEM READONLY INTERRUPT IOERR CORRUPT NOTFOUND FULL"
    " CANTOPEN PROTOCOL EMPTY SCHEMA TOOBIG CONSTRAINT MISMATCH MISUSE NOLFS AUTH FORMAT RANGE NOTADB"
    " NOTICE WARNING"
).split()


# ---------------------------------------------------------------- SQL text


class _Statement:
    """One statement of a query: its text, with named parameters renumbered as ``?N``."""

    __slots__ = ("source", "sql", "has_code", "keyword", "params")

    def __init__(self, source: str, sql: str, has_code: bool, keyword: str, params: int) -> None:
        self.source = source  # as written
        # What runs: :a, @a and $a become ?N, because Python 3.14 refuses a sequence of values
        # for named parameters (?N by position is fine from 3.12.4 on; 3.12.0-3.12.3 only warn).
        self.sql = sql
        self.has_code = has_code  # False for a piece holding only comments
        self.keyword = keyword  # first word, upper case ("" when the statement starts otherwise)
        self.params = params  # sqlite3_bind_parameter_count: the largest parameter index


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_" or ch == "$" or ch >= "\x80"


def _skip_quoted(sql: str, i: int, close: str) -> int:
    """Index after the quoted token opening at ``i`` (a doubled closing quote stays inside)."""
    n = len(sql)
    j = i + 1
    while True:
        j = sql.find(close, j)
        if j < 0:
            return n
        if close != "]" and sql.startswith(close, j + 1):
            j += 2
            continue
        return j + 1


def _parse(sql: str) -> list[_Statement]:
    """The statements of ``sql`` as SQLite reads them; whitespace-only pieces are dropped.

    Numbers parameters as SQLite does (``?`` takes the next index, ``?NNN`` that index,
    a name its first index) and raises :class:`D1Error` for what D1 refuses at prepare time.
    """
    out: list[_Statement] = []
    n = len(sql)
    i = start = copied = 0
    chunks: list[str] = []
    has_code = has_comment = False
    keyword = ""
    names: dict[str, int] = {}
    count = 0

    def finish(end: int) -> None:
        nonlocal start, copied, has_code, has_comment, keyword, count
        if has_code or has_comment:
            chunks.append(sql[copied:end])
            out.append(_Statement(sql[start:end], "".join(chunks), has_code, keyword, count))
        chunks.clear()
        start = copied = end
        has_code = has_comment = False
        keyword = ""
        names.clear()
        count = 0

    while i < n:
        ch = sql[i]
        if ch.isspace():
            i += 1
            continue
        if sql.startswith("--", i):
            j = sql.find("\n", i)
            i = n if j < 0 else j + 1
            has_comment = True
            continue
        if sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            i = n if j < 0 else j + 2
            has_comment = True
            continue
        if ch == ";":
            i += 1
            # A ';' inside CREATE TRIGGER ... BEGIN ... END does not end the statement.
            if sqlite3.complete_statement(sql[start:i]):
                finish(i)
            continue
        first = not has_code
        has_code = True
        if ch in "'\"`":
            i = _skip_quoted(sql, i, ch)
        elif ch == "[":
            i = _skip_quoted(sql, i, "]")
        elif ch == "?":
            j = i + 1
            while j < n and "0" <= sql[j] <= "9":
                j += 1
            if j > i + 1:
                index = int(sql[i + 1 : j])
                if not 1 <= index <= MAX_VARIABLES:
                    raise D1Error("D1_ERROR", f"variable number must be between ?1 and ?{MAX_VARIABLES}: SQLITE_ERROR")
                count = max(count, index)
            else:
                count += 1
            i = j
        elif ch in ":@$" and i + 1 < n and _is_word_char(sql[i + 1]):
            j = i + 1
            while j < n and _is_word_char(sql[j]):
                j += 1
            name = sql[i:j]
            index = names.get(name, 0)
            if not index:
                count += 1
                index = names[name] = count
            chunks.append(sql[copied:i])
            chunks.append(f"?{index}")
            copied = i = j
        elif _is_word_char(ch):
            j = i + 1
            while j < n and _is_word_char(sql[j]):
                j += 1
            if first:
                keyword = sql[i:j].upper()
            i = j
        else:
            i += 1
        if count > MAX_VARIABLES:
            raise D1Error("D1_ERROR", "too many SQL variables: SQLITE_ERROR")
    finish(n)
    return out


class _Plan:
    """A query as D1 would run it: its statements, or why D1 refuses it before running it."""

    __slots__ = ("statements", "refusal", "schema", "lone_select")

    def __init__(self, statements: list[_Statement]) -> None:
        self.statements = statements
        self.refusal = _refusal(statements)  # a D1_ERROR detail, "" when the query may run
        self.schema = any(s.keyword in _SCHEMA_KEYWORDS for s in statements)
        # One SELECT is atomic by itself and writes nothing: it needs no transaction of its own.
        self.lone_select = len(statements) == 1 and statements[0].keyword == "SELECT"


def _refusal(statements: list[_Statement]) -> str:
    """Why D1 refuses these statements before running any of them ("" when it does not)."""
    if not statements:
        return "No SQL statements detected."
    for s in statements:
        if not s.has_code:
            return "SQL code did not contain a statement."
        if s.keyword in _TRANSACTION_KEYWORDS:
            return TRANSACTION_REFUSED
        if s.params and s is not statements[-1]:
            return PARAMETERS_BEFORE_LAST
    return ""


# Parsing costs more than running a point query; applications prepare the same few SQL
# texts over and over.  Bounded, so generated SQL cannot grow it without limit.
_plans: dict[str, _Plan] = {}
_PLANS_MAX = 512


def _plan(sql: str) -> _Plan:
    plan = _plans.get(sql)
    if plan is None:
        plan = _Plan(_parse(sql))
        if len(_plans) < _PLANS_MAX:
            _plans[sql] = plan
    return plan


def split_statements(sql: str) -> list[str]:
    """The statements of a SQL script as written, in order, without comment-only pieces."""
    return [s.source for s in _parse(sql) if s.has_code]


# ---------------------------------------------------------------- values


def _cell(value: SQLValue) -> SQLValue:
    """A SQLite value as a Python Worker receives it from D1 (see the module docstring)."""
    if type(value) is float:
        if value in (_INF, -_INF):
            return None
        if value.is_integer() and -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            return int(value)
    elif type(value) is int and not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        return float(value)
    return value


def _d1_error(error: sqlite3.Error) -> D1Error:
    """A sqlite3 exception as D1 words it: ``<message>: SQLITE_<CODE>[ (extended: <name>)]``."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is None:
        return D1Error("D1_ERROR", str(error))
    primary = code & 0xFF
    detail = f"{error}: SQLITE_{_PRIMARY_CODES[primary] if primary < len(_PRIMARY_CODES) else primary}"
    name = getattr(error, "sqlite_errorname", "unknown")
    if code > 0xFF and name != "unknown":  # older Pythons do not know the newest extended codes
        detail += f" (extended: {name})"
    return D1Error("D1_ERROR", detail)


# ---------------------------------------------------------------- database


class _Outcome:
    """What one query did: the columns and rows of its last statement, and its counts."""

    __slots__ = ("names", "rows", "changes", "last_row_id", "changed_db", "rows_read", "duration")

    def __init__(
        self,
        names: list[str],
        rows: list[list[SQLValue]],
        changes: int,
        last_row_id: int,
        changed_db: bool,
        rows_read: int,
        duration: float,
    ) -> None:
        self.names = names
        self.rows = rows
        self.changes = changes
        self.last_row_id = last_row_id
        self.changed_db = changed_db
        self.rows_read = rows_read
        self.duration = duration


class D1Database:
    """A D1 database on a local SQLite file (``":memory:"`` for a private in-memory one).

    ``busy_timeout`` (seconds) is how long a call waits for another process's write
    transaction on the same file before failing.  Call :meth:`close` when done.  One object
    serves one event loop at a time (each call runs to completion without awaiting); other
    processes and other objects may use the same file concurrently.
    """

    def __init__(self, path: str | os.PathLike[str], *, busy_timeout: float = 30.0) -> None:
        self._conn = sqlite3.connect(
            path, timeout=busy_timeout, isolation_level=None, check_same_thread=False, cached_statements=256
        )
        self._trusted = False  # True while edgekit runs its own statements past the authorizer
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._conn.set_authorizer(self._authorize)
        self._page_size: int = self._internal("PRAGMA page_size")[0][0]
        self._size = self._size_now()

    def prepare(self, sql: str) -> D1PreparedStatement:
        """A statement for ``sql`` (one or several statements; parameters ``?``, ``?NNN``, ``:a``, ``@a``, ``$a``)."""
        if not isinstance(sql, str):
            raise TypeError(f"prepare() takes SQL as str, not {type(sql).__name__}")
        return D1PreparedStatement(self, sql, ())

    async def batch(self, statements: Sequence[D1PreparedStatement]) -> list[D1Result]:
        """Run the statements in one transaction: all of them, or none if one fails."""
        for stmt in statements:
            if not isinstance(stmt, D1PreparedStatement):
                raise TypeError(f"batch() takes prepared statements, not {type(stmt).__name__}")
        if not statements:
            raise D1Error("D1_ERROR", "No SQL statements detected.")
        outcomes = self._transaction([(s._sql, s._values) for s in statements])
        return [self._result(o) for o in outcomes]

    async def exec(self, sql: str) -> D1ExecResult:
        """Run ``sql`` line by line, as D1 does: each non-blank line is one query, all in one transaction.

        A statement spread over several lines fails (``incomplete input``); an indented
        comment line is skipped.  Any failure is reported on line 1, as D1 reports it.
        """
        lines = sql.strip().split("\n")
        try:
            queries = [line for line in lines if not _skipped_line(line)]
            if not queries:
                raise D1Error("D1_ERROR", "No SQL statements detected.")
            outcomes = self._transaction([(q, ()) for q in queries])
        except D1Error as error:
            raise D1Error("D1_EXEC_ERROR", f"Error in line 1: {lines[0]}: {error.detail}") from None
        return D1ExecResult(count=len(outcomes), duration=sum(o.duration for o in outcomes))

    def close(self) -> None:
        """Close the SQLite connection; the database cannot be used afterwards."""
        self._conn.close()

    # -- internals

    def _authorize(self, action: int, arg1: str | None, arg2: str | None, _db: str | None, _trigger: str | None) -> int:
        """SQLite's authorizer: refuses what D1 refuses, at prepare time."""
        if self._trusted:
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_PRAGMA:
            return sqlite3.SQLITE_OK if (arg1 or "").lower() in ALLOWED_PRAGMAS else sqlite3.SQLITE_DENY
        if action == sqlite3.SQLITE_FUNCTION:
            return sqlite3.SQLITE_DENY if (arg2 or "").lower() in DENIED_FUNCTIONS else sqlite3.SQLITE_OK
        if action in _REFUSED_ACTIONS:
            return sqlite3.SQLITE_DENY
        table = arg1 if action in _TABLE_FIRST else arg2 if action in _TABLE_SECOND else None
        if table is not None and table.startswith(_CF_PREFIX):
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK

    def _internal(self, sql: str) -> list[Any]:
        """Run one of edgekit's own statements (transaction control, size) past the authorizer."""
        self._trusted = True
        try:
            return self._conn.execute(sql).fetchall()
        finally:
            self._trusted = False

    def _size_now(self) -> int:
        pages: int = self._internal("PRAGMA page_count")[0][0]
        # A database SQLite has not written yet has no page; D1's smallest is one page.
        return max(pages, 1) * self._page_size

    def _call(self, sql: str, values: tuple[SQLValue, ...]) -> _Outcome:
        """Run one query of a statement call (``all``, ``run``, ``first``, ``raw``)."""
        if _plan(sql).lone_select:
            return self._query(sql, values)
        return self._transaction([(sql, values)])[0]

    def _transaction(self, queries: Iterable[tuple[str, tuple[SQLValue, ...]]]) -> list[_Outcome]:
        """Run the queries in one write transaction, committed before returning; all or nothing."""
        try:
            self._internal("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise _d1_error(error) from None
        try:
            outcomes = [self._query(sql, values) for sql, values in queries]
            try:
                self._internal("COMMIT")
            except sqlite3.IntegrityError as error:
                # A deferred foreign key still violated at the end: D1 resets the Durable Object.
                raise D1Error("", CONSTRAINTS_RESET + _d1_error(error).detail) from None
            except sqlite3.Error as error:
                raise _d1_error(error) from None
        except BaseException:
            if self._conn.in_transaction:
                self._internal("ROLLBACK")
            raise
        if any(o.changed_db for o in outcomes):
            self._size = self._size_now()
        return outcomes

    def _query(self, sql: str, values: tuple[SQLValue, ...]) -> _Outcome:
        """Run one query (one or several statements), inside the open transaction if there is one."""
        started = time.perf_counter()
        plan = _plan(sql)
        if plan.refusal:
            raise D1Error("D1_ERROR", plan.refusal)
        statements = plan.statements
        last = statements[-1]
        schema = plan.schema
        version = self._internal("PRAGMA schema_version")[0][0] if schema else 0
        before = self._conn.total_changes
        cursor = self._conn.cursor()
        rows_read = 0
        try:
            for s in statements:
                if s is last and s.params != len(values):
                    # D1 prepares before it binds, so SQLite's own error ("2 values for 1
                    # columns") wins: EXPLAIN compiles the statement without running it.
                    cursor.execute("EXPLAIN " + s.sql, (None,) * s.params)
                    raise D1Error("D1_ERROR", "Wrong number of parameter bindings for SQL query.")
                cursor.execute(s.sql, values if s is last else ())
                rows = cursor.fetchall()
                rows_read += len(rows)
        except sqlite3.Error as error:
            raise _d1_error(error) from None
        changes = self._conn.total_changes - before
        changed_db = changes > 0 or (schema and self._internal("PRAGMA schema_version")[0][0] != version)
        names = [d[0] for d in cursor.description] if cursor.description else []
        return _Outcome(
            names,
            [[_cell(v) for v in row] for row in rows],
            changes,
            cursor.lastrowid or 0,
            changed_db,
            rows_read,
            (time.perf_counter() - started) * 1000,
        )

    def _result(self, outcome: _Outcome) -> D1Result:
        """The ``all()`` form of an outcome."""
        meta = D1Meta(
            served_by=SERVED_BY,
            duration=outcome.duration,
            changes=outcome.changes,
            last_row_id=outcome.last_row_id,
            changed_db=outcome.changed_db,
            size_after=self._size,
            rows_read=outcome.rows_read,
            rows_written=outcome.changes,
        )
        names = outcome.names
        return D1Result(results=[dict(zip(names, row)) for row in outcome.rows], success=True, meta=meta)


def _skipped_line(line: str) -> bool:
    """Whether ``exec`` skips a line: blank, or indented and holding only comments (as D1 does)."""
    if not line.strip():
        return True
    return line[0].isspace() and not any(s.has_code for s in _plan(line).statements)


class D1PreparedStatement:
    """A prepared statement: :meth:`bind` values, then await one of the calls to run it.

    Statements are immutable; :meth:`bind` returns a new one, so a prepared statement can
    be bound and run any number of times.
    """

    __slots__ = ("_db", "_sql", "_values")

    def __init__(self, db: D1Database, sql: str, values: tuple[SQLValue, ...]) -> None:
        self._db = db
        self._sql = sql
        self._values = values

    def bind(self, *values: object) -> D1PreparedStatement:
        """This statement with ``values`` for its parameters, by position (named ones too).

        None, int, float, str, bytes (bytearray, memoryview) and bool are accepted; any
        other type raises :class:`D1Error` (``D1_TYPE_ERROR``) naming the parameter's
        position.  A count that does not match the SQL fails when the statement runs.
        """
        return D1PreparedStatement(self._db, self._sql, tuple(sql_value(v, i) for i, v in enumerate(values, 1)))

    async def all(self) -> D1Result:
        """Run the statement: its rows as dicts, ``success`` and ``meta``."""
        return self._db._result(self._db._call(self._sql, self._values))

    async def run(self) -> D1Result:
        """Run the statement; the same result as :meth:`all` (rows included, as in D1)."""
        return await self.all()

    async def first(self, column: str | None = None) -> Any:
        """The first row as a dict (``None`` without rows), or its value in ``column``.

        A ``column`` the result does not have raises ``D1_COLUMN_NOTFOUND`` (when there is a row).
        """
        outcome = self._db._call(self._sql, self._values)
        if not outcome.rows:
            return None
        row = dict(zip(outcome.names, outcome.rows[0]))
        if column is None:
            return row
        if column not in row:
            raise D1Error("D1_COLUMN_NOTFOUND", f"Column not found ({column})")
        return row[column]

    async def raw(self, column_names: bool = False) -> list[list[Any]]:
        """The rows as lists of values (every column, repeated names too); the names first if asked."""
        outcome = self._db._call(self._sql, self._values)
        rows: list[list[Any]] = list(outcome.rows)
        return [list(outcome.names), *rows] if column_names else rows


def conformance_factory() -> D1Database:
    """A fresh, empty in-memory database: what the bindings conformance checker calls per case."""
    return D1Database(":memory:")
