"""D1Database: the D1 API, its values, errors, restrictions, storage and migrations."""

from __future__ import annotations

import math
import os
import signal
import sqlite3
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgekit.bindings.d1 import (
    TRANSACTION_REFUSED,
    D1Database,
    D1Error,
    D1ExecResult,
    D1Meta,
    D1Result,
    conformance_factory,
    split_statements,
)
from edgekit.bindings.d1_migrations import apply_migrations
from edgekit.json_codec import dumps, loads
from tests.conftest import run

META_KEYS = {"served_by", "duration", "changes", "last_row_id", "changed_db", "size_after", "rows_read", "rows_written"}


@pytest.fixture
def db() -> Iterator[D1Database]:
    database = conformance_factory()
    yield database
    database.close()


def q(db: D1Database, sql: str, *values: Any) -> D1Result:
    """all() of one query."""
    return run(db.prepare(sql).bind(*values).all())


def error_of(coro: Any) -> D1Error:
    with pytest.raises(D1Error) as info:
        run(coro)
    return info.value


def make_table(db: D1Database) -> None:
    q(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB)")


# ---------------------------------------------------------------- results


def test_all_returns_rows_success_and_meta_as_dict_and_attributes(db: D1Database) -> None:
    make_table(db)
    insert = q(db, "INSERT INTO t (name, score) VALUES (?, ?)", "a", 1.5)
    assert insert.results == [] and insert.success is True
    assert insert.meta.changes == 1 and insert.meta.last_row_id == 1 and insert.meta.changed_db is True
    res = q(db, "SELECT id, name, score FROM t")
    assert isinstance(res, D1Result) and isinstance(res.meta, D1Meta)
    assert res == {"results": [{"id": 1, "name": "a", "score": 1.5}], "success": True, "meta": res["meta"]}
    assert set(res["meta"]) == META_KEYS
    meta = res.meta
    assert (meta.changes, meta.changed_db, meta.rows_read, meta.rows_written) == (0, False, 1, 0)
    assert meta.duration >= 0 and meta.size_after >= 4096 and meta.size_after % 4096 == 0
    assert type(res.results[0]) is dict


def test_results_are_plain_json_serializable(db: D1Database) -> None:
    make_table(db)
    q(db, "INSERT INTO t (name, score) VALUES ('a', 2), ('b', 0.5)")
    res = q(db, "SELECT id, name, score FROM t ORDER BY id")
    assert loads(dumps(res))["results"] == [{"id": 1, "name": "a", "score": 2}, {"id": 2, "name": "b", "score": 0.5}]
    assert set(loads(dumps(res))["meta"]) == META_KEYS
    assert loads(dumps(run(db.exec("SELECT 1")))).keys() == {"count", "duration"}


def test_run_returns_the_same_shape_as_all_with_rows(db: D1Database) -> None:
    make_table(db)
    q(db, "INSERT INTO t (name) VALUES ('a')")
    res = run(db.prepare("SELECT name FROM t").run())
    assert res.results == [{"name": "a"}] and res.success and set(res.meta) == META_KEYS


def test_first_returns_the_first_row_a_column_or_none(db: D1Database) -> None:
    make_table(db)
    q(db, "INSERT INTO t (name) VALUES ('a'), ('b')")
    stmt = db.prepare("SELECT id, name FROM t ORDER BY id")
    assert run(stmt.first()) == {"id": 1, "name": "a"}
    assert run(stmt.first("name")) == "a"
    assert run(db.prepare("SELECT NULL AS a").first("a")) is None
    empty = db.prepare("SELECT name FROM t WHERE id = 99")
    assert run(empty.first()) is None
    assert run(empty.first("missing")) is None  # no row: D1 does not look for the column


def test_first_of_a_missing_column_is_column_notfound(db: D1Database) -> None:
    error = error_of(db.prepare("SELECT 1 AS a").first("nope"))
    assert str(error) == "D1_COLUMN_NOTFOUND: Column not found (nope)"
    assert error.token == "D1_COLUMN_NOTFOUND" and error.detail == "Column not found (nope)"


def test_raw_returns_lists_with_optional_column_names(db: D1Database) -> None:
    make_table(db)
    q(db, "INSERT INTO t (name, score) VALUES ('a', 1), ('b', 2.5)")
    stmt = db.prepare("SELECT name, score FROM t ORDER BY id")
    assert run(stmt.raw()) == [["a", 1], ["b", 2.5]]
    assert run(stmt.raw(column_names=True)) == [["name", "score"], ["a", 1], ["b", 2.5]]
    assert run(db.prepare("SELECT name FROM t WHERE 0").raw(column_names=True)) == [["name"]]


def test_duplicate_column_names_keep_the_last_value_except_in_raw(db: D1Database) -> None:
    stmt = db.prepare("SELECT 1 AS a, 2 AS a")
    assert q(db, "SELECT 1 AS a, 2 AS a").results == [{"a": 2}]
    assert run(stmt.first()) == {"a": 2}
    assert run(stmt.raw(column_names=True)) == [["a", "a"], [1, 2]]


def test_a_statement_can_be_bound_and_run_again(db: D1Database) -> None:
    make_table(db)
    insert = db.prepare("INSERT INTO t (name) VALUES (?)")
    run(insert.bind("a").run())
    run(insert.bind("b").run())
    assert run(insert.bind("c").run()).meta.last_row_id == 3
    assert run(db.prepare("SELECT name FROM t ORDER BY id").raw()) == [["a"], ["b"], ["c"]]


def test_several_statements_in_one_prepare_all_run_and_the_last_gives_the_rows(db: D1Database) -> None:
    make_table(db)
    res = q(db, "INSERT INTO t (name) VALUES ('a'); INSERT INTO t (name) VALUES ('b'); SELECT count(*) AS n FROM t")
    assert res.results == [{"n": 2}] and res.meta.changes == 2
    assert q(db, "SELECT count(*) AS n FROM t; SELECT name FROM t WHERE name = ?", "b").results == [{"name": "b"}]


def test_only_the_last_of_several_statements_may_have_parameters(db: D1Database) -> None:
    make_table(db)
    error = error_of(db.prepare("INSERT INTO t (name) VALUES (?); SELECT 1").bind("x").all())
    assert "only the last statement can have parameters" in str(error)
    assert q(db, "SELECT count(*) AS n FROM t").results == [{"n": 0}]


def test_a_trigger_body_keeps_its_semicolons(db: D1Database) -> None:
    q(db, "CREATE TABLE a (x); CREATE TABLE log (x)")
    q(db, "CREATE TRIGGER tr AFTER INSERT ON a BEGIN INSERT INTO log VALUES (new.x); INSERT INTO log VALUES (-new.x); END;")
    assert q(db, "INSERT INTO a VALUES (?)", 5).meta.changes == 3  # the row and the trigger's two
    assert run(db.prepare("SELECT x FROM log ORDER BY x").raw()) == [[-5], [5]]


def test_prepare_takes_str_only(db: D1Database) -> None:
    with pytest.raises(TypeError, match="str"):
        db.prepare(b"SELECT 1")  # type: ignore[arg-type]


# ---------------------------------------------------------------- values


def test_supported_bind_types_and_how_they_are_stored(db: D1Database) -> None:
    stmt = db.prepare("SELECT typeof(?1) AS t, ?1 AS v")
    cases: list[tuple[Any, str, Any]] = [
        (None, "null", None),
        (1, "real", 1),  # every JavaScript number is a double: D1 binds numbers as REAL
        (-7, "real", -7),
        (1.5, "real", 1.5),
        ("x", "text", "x"),
        ("", "text", ""),
        (True, "real", 1),
        (False, "real", 0),
        (b"\x00\x01\xff", "blob", b"\x00\x01\xff"),
        (bytearray(b"ab"), "blob", b"ab"),
        (memoryview(b"cd"), "blob", b"cd"),
        (b"", "blob", b""),
        (math.nan, "null", None),  # JSON has no NaN or Infinity
        (math.inf, "null", None),
        (-math.inf, "null", None),
        (-0.0, "real", 0),
        (2**53 - 1, "real", 2**53 - 1),
    ]
    for value, sql_type, back in cases:
        row = run(stmt.bind(value).first())
        assert row == {"t": sql_type, "v": back}, value
        assert type(row["v"]) is type(back), value


def test_numbers_bound_into_typed_columns_follow_d1(db: D1Database) -> None:
    q(db, "CREATE TABLE c (i INTEGER, t TEXT, s INTEGER) STRICT")
    q(db, "INSERT INTO c VALUES (?, ?, ?)", 1, 1, 2)
    assert q(db, "SELECT i, typeof(i) AS ti, t FROM c").results == [{"i": 1, "ti": "integer", "t": "1.0"}]
    error = error_of(db.prepare("INSERT INTO c VALUES (1, 'x', ?)").bind(1.5).run())
    # Python 3.11 does not know the name of this extended code (SQLITE_CONSTRAINT_DATATYPE).
    assert str(error).startswith("D1_ERROR: cannot store REAL value in INTEGER column c.s: SQLITE_CONSTRAINT")


def test_values_read_back_as_a_python_worker_receives_them(db: D1Database) -> None:
    row = run(db.prepare(
        "SELECT 2.0 AS whole, 0.5 AS half, 9007199254740993 AS big, -0.0 AS negzero, 1e308 * 10 AS inf,"
        " x'00ff' AS blob, 'é' AS text"
    ).first())
    assert row == {"whole": 2, "half": 0.5, "big": 9007199254740992.0, "negzero": 0, "inf": None,
                   "blob": b"\x00\xff", "text": "é"}
    assert type(row["whole"]) is int and type(row["big"]) is float and type(row["negzero"]) is int


@pytest.mark.parametrize("value, type_name", [
    ({"a": 1}, "dict"), ([1, 2], "list"), ((1,), "tuple"), (object(), "object"), (1j, "complex"),
])
def test_unsupported_bind_types_raise_at_bind_naming_the_position(db: D1Database, value: Any, type_name: str) -> None:
    stmt = db.prepare("SELECT ?1, ?2")
    with pytest.raises(D1Error) as info:
        stmt.bind("ok", value)
    message = str(info.value)
    assert message.startswith(f"D1_TYPE_ERROR: Type '{type_name}' not supported for value ")
    assert "(parameter 2)" in message and info.value.token == "D1_TYPE_ERROR"


def test_integers_beyond_2_53_are_refused_as_d1_refuses_bigints(db: D1Database) -> None:
    with pytest.raises(D1Error, match=r"D1_TYPE_ERROR: Type 'bigint' not supported for value '9007199254740992' \(parameter 1\)"):
        db.prepare("SELECT ?").bind(2**53)
    with pytest.raises(D1Error, match="parameter 3"):
        db.prepare("SELECT ?, ?, ?").bind(1, 2, -(2**63))


@given(st.text(alphabet=st.characters(exclude_categories=["Cs"])))
def test_any_text_round_trips(text: str) -> None:
    database = conformance_factory()
    try:
        assert run(database.prepare("SELECT ?1 AS v, typeof(?1) AS t").bind(text).first()) == {"v": text, "t": "text"}
    finally:
        database.close()


@given(st.floats(allow_nan=False, allow_infinity=False) | st.integers(-(2**53) + 1, 2**53 - 1))
def test_numbers_round_trip_by_value(number: float) -> None:
    database = conformance_factory()
    try:
        back = run(database.prepare("SELECT ?1 AS v").bind(number).first("v"))
        assert back == number
        safe_whole = float(number).is_integer() and abs(number) <= 2**53 - 1
        assert type(back) is (int if safe_whole else float)
    finally:
        database.close()


# ---------------------------------------------------------------- parameters


def test_parameter_styles(db: D1Database) -> None:
    assert q(db, "SELECT ? AS a, ? AS b", 1, "x").results == [{"a": 1, "b": "x"}]
    assert q(db, "SELECT ?1 AS a, ?2 AS b, ?1 AS c", 1, "x").results == [{"a": 1, "b": "x", "c": 1}]
    assert q(db, "SELECT ?2 AS a, ?1 AS b", "one", "two").results == [{"a": "two", "b": "one"}]
    assert q(db, "SELECT ? AS a, ?1 AS b", 5).results == [{"a": 5, "b": 5}]
    # Named parameters bind by position, a repeated name once.
    assert q(db, "SELECT :a AS a, @b AS b, $c AS c, :a AS d", 1, 2, 3).results == [{"a": 1, "b": 2, "c": 3, "d": 1}]
    assert q(db, "SELECT :x AS x, ? AS y", "n", "m").results == [{"x": "n", "y": "m"}]


def test_named_parameters_give_no_deprecation_warning(db: D1Database) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert q(db, "SELECT :name AS n", "v").results == [{"n": "v"}]


def test_question_marks_in_literals_identifiers_and_comments_are_not_parameters(db: D1Database) -> None:
    sql = "SELECT '?' AS s, \"a?\" AS q, [?] AS b, `x:y` AS k, ? AS p -- ?\n /* ? :z */"
    q(db, 'CREATE TABLE w ("a?", [?], `x:y`)')
    q(db, "INSERT INTO w VALUES (1, 2, 3)")
    assert q(db, sql.replace("AS s,", "AS s, 'it''s :a' AS e,") + " FROM w", 9).results == [
        {"s": "?", "e": "it's :a", "q": 1, "b": 2, "k": 3, "p": 9}
    ]


@pytest.mark.parametrize("sql, values", [
    ("SELECT ?3 AS c", [1]),
    ("SELECT ? AS a, ? AS b", [1]),
    ("SELECT ? AS a", [1, 2]),
    ("SELECT ? AS a", []),
    ("SELECT 1 AS a", [5]),
    ("SELECT :a, :a", [1, 2]),
])
def test_wrong_bind_counts_fail_when_run(db: D1Database, sql: str, values: list[Any]) -> None:
    stmt = db.prepare(sql).bind(*values)  # binding never checks the count
    assert str(error_of(stmt.all())) == "D1_ERROR: Wrong number of parameter bindings for SQL query."


def test_sqlite_errors_come_before_the_bind_count(db: D1Database) -> None:
    q(db, "CREATE TABLE t (name)")
    error = error_of(db.prepare("INSERT INTO t (name) VALUES (?, ?)").bind("b").run())
    assert str(error) == "D1_ERROR: 2 values for 1 columns: SQLITE_ERROR"


@pytest.mark.parametrize("sql, message", [
    ("SELECT ?0", "variable number must be between ?1 and ?100"),
    ("SELECT ?101", "variable number must be between ?1 and ?100"),
    ("SELECT " + ", ".join(["?"] * 101), "too many SQL variables"),
])
def test_d1_allows_100_variables(db: D1Database, sql: str, message: str) -> None:
    assert str(error_of(db.prepare(sql).bind(1).all())) == f"D1_ERROR: {message}: SQLITE_ERROR"


def test_one_hundred_variables_are_fine(db: D1Database) -> None:
    res = q(db, "SELECT " + ", ".join(f"?{i} AS c{i}" for i in range(1, 101)), *range(100))
    assert res.results[0]["c100"] == 99


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize("sql, message", [
    ("SELEC 1", 'D1_ERROR: near "SELEC": syntax error: SQLITE_ERROR'),
    ("SELECT * FROM", "D1_ERROR: incomplete input: SQLITE_ERROR"),
    ("SELECT * FROM x", "D1_ERROR: no such table: x: SQLITE_ERROR"),
    ("SELECT nope", "D1_ERROR: no such column: nope: SQLITE_ERROR"),
    ("SELECT json_extract('not json', '$.a')", "D1_ERROR: malformed JSON: SQLITE_ERROR"),
    ("", "D1_ERROR: No SQL statements detected."),
    ("  \n ", "D1_ERROR: No SQL statements detected."),
    ("-- only a comment", "D1_ERROR: SQL code did not contain a statement."),
    ("/* block */", "D1_ERROR: SQL code did not contain a statement."),
    ("SELECT 1; -- trailing", "D1_ERROR: SQL code did not contain a statement."),
])
def test_errors_are_d1_errors_with_the_sqlite_message(db: D1Database, sql: str, message: str) -> None:
    error = error_of(db.prepare(sql).all())
    assert str(error) == message
    assert not isinstance(error, sqlite3.Error) and error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__  # no sqlite3 exception shows through


def test_constraint_errors_carry_the_extended_code(db: D1Database) -> None:
    q(db, "CREATE TABLE u (k TEXT UNIQUE, n TEXT NOT NULL DEFAULT '')")
    q(db, "INSERT INTO u (k) VALUES ('a')")
    assert str(error_of(db.prepare("INSERT INTO u (k) VALUES ('a')").run())) == (
        "D1_ERROR: UNIQUE constraint failed: u.k: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_UNIQUE)"
    )
    error = error_of(db.prepare("INSERT INTO u VALUES ('b', ?)").bind(None).run())
    assert error.detail == "NOT NULL constraint failed: u.n: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_NOTNULL)"


def test_a_failing_query_changes_nothing(db: D1Database) -> None:
    q(db, "CREATE TABLE u (k TEXT UNIQUE)")
    error_of(db.prepare("INSERT INTO u VALUES ('a'); INSERT INTO u VALUES ('a')").run())
    assert q(db, "SELECT count(*) AS n FROM u").results == [{"n": 0}]


def test_foreign_keys_are_enforced_and_cannot_be_turned_off(db: D1Database) -> None:
    q(db, "PRAGMA foreign_keys = OFF")
    assert q(db, "PRAGMA foreign_keys").results == [{"foreign_keys": 1}]
    q(db, "CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE child (pid INTEGER REFERENCES parent(id))")
    assert "FOREIGN KEY constraint failed" in str(error_of(db.prepare("INSERT INTO child VALUES (1)").run()))


# ---------------------------------------------------------------- restrictions


@pytest.mark.parametrize("sql", ["BEGIN", "BEGIN TRANSACTION", "COMMIT", "END", "ROLLBACK", "SAVEPOINT s", "RELEASE s",
                                 "begin immediate"])
def test_transactions_are_refused(db: D1Database, sql: str) -> None:
    assert str(error_of(db.prepare(sql).run())) == "D1_ERROR: " + TRANSACTION_REFUSED
    assert str(error_of(db.batch([db.prepare(sql)]))) == "D1_ERROR: " + TRANSACTION_REFUSED
    assert str(error_of(db.exec(sql))) == f"D1_EXEC_ERROR: Error in line 1: {sql}: {TRANSACTION_REFUSED}"


@pytest.mark.parametrize("sql, message", [
    ("PRAGMA journal_mode", "not authorized: SQLITE_AUTH"),
    ("PRAGMA synchronous = OFF", "not authorized: SQLITE_AUTH"),
    ("ATTACH DATABASE ':memory:' AS other", "not authorized: SQLITE_AUTH"),
    ("SELECT sqlite_version()", "not authorized to use function: sqlite_version: SQLITE_ERROR"),
    ("SELECT load_extension('x')", "not authorized to use function: load_extension: SQLITE_ERROR"),
    ("CREATE TABLE _cf_mine (a)", "not authorized: SQLITE_AUTH"),
    ("VACUUM", "cannot VACUUM from within a transaction: SQLITE_ERROR"),
])
def test_what_d1_refuses(db: D1Database, sql: str, message: str) -> None:
    assert str(error_of(db.prepare(sql).all())) == "D1_ERROR: " + message


def test_what_d1_allows(db: D1Database) -> None:
    make_table(db)
    assert run(db.prepare("PRAGMA table_info(t)").raw())[0] == [0, "id", "INTEGER", 0, None, 1]
    assert q(db, "CREATE TABLE _CF_upper (a)").meta.changed_db  # the reserved prefix is case-sensitive
    assert q(db, "PRAGMA table_list").success


def test_a_deferred_foreign_key_left_violated_resets_the_batch(db: D1Database) -> None:
    q(db, "CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE child (pid INTEGER REFERENCES parent(id))")
    ok = run(db.batch([db.prepare("PRAGMA defer_foreign_keys = ON"), db.prepare("INSERT INTO child VALUES (7)"),
                       db.prepare("INSERT INTO parent VALUES (7)")]))
    assert [r.meta.changes for r in ok] == [0, 1, 1]
    error = error_of(db.batch([db.prepare("PRAGMA defer_foreign_keys = ON"), db.prepare("INSERT INTO child VALUES (8)")]))
    assert str(error).startswith("Durable Object was reset and rolled back to its last known good state")
    assert "FOREIGN KEY constraint failed" in str(error) and error.token == ""
    assert run(db.prepare("SELECT pid FROM child").raw()) == [[7]]


# ---------------------------------------------------------------- meta


def test_meta_changes_last_row_id_and_changed_db(db: D1Database) -> None:
    create = q(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
    assert (create.meta.changes, create.meta.changed_db) == (0, True)
    insert = q(db, "INSERT INTO t (name) VALUES ('a'), ('b'), ('c')")
    assert (insert.meta.changes, insert.meta.last_row_id, insert.meta.rows_written) == (3, 3, 3)
    assert q(db, "INSERT INTO t (id, name) VALUES (100, 'x')").meta.last_row_id == 100
    update = q(db, "UPDATE t SET name = 'z' WHERE id >= 2")
    assert (update.meta.changes, update.meta.changed_db) == (3, True)
    nothing = q(db, "UPDATE t SET name = 'z' WHERE id = 99")
    assert (nothing.meta.changes, nothing.meta.changed_db) == (0, False)
    assert q(db, "CREATE TABLE IF NOT EXISTS t (a)").meta.changed_db is False
    assert q(db, "DROP TABLE t").meta.changed_db is True


def test_insert_returning_gives_rows_and_changes(db: D1Database) -> None:
    make_table(db)
    res = q(db, "INSERT INTO t (name) VALUES ('a'), ('b') RETURNING id, name")
    assert res.results == [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]
    assert (res.meta.changes, res.meta.last_row_id) == (2, 2)


def test_size_after_grows_with_the_data(db: D1Database) -> None:
    start = q(db, "SELECT 1").meta.size_after
    make_table(db)
    grown = q(db, "INSERT INTO t (data) VALUES (?)", b"x" * 100_000).meta.size_after
    assert start == 4096 and grown > 100_000


# ---------------------------------------------------------------- batch


def test_batch_returns_one_result_per_statement(db: D1Database) -> None:
    res = run(db.batch([
        db.prepare("CREATE TABLE b (x)"),
        db.prepare("INSERT INTO b VALUES (?)").bind(1),
        db.prepare("INSERT INTO b VALUES (?)").bind(2),
        db.prepare("SELECT x FROM b ORDER BY x"),
    ]))
    assert all(isinstance(r, D1Result) for r in res)
    assert [r.results for r in res] == [[], [], [], [{"x": 1}, {"x": 2}]]
    assert [r.meta.last_row_id for r in res[1:3]] == [1, 2]


def test_batch_is_atomic_a_failing_second_statement_leaves_the_first_unapplied(db: D1Database) -> None:
    q(db, "CREATE TABLE u (k TEXT UNIQUE)")
    q(db, "INSERT INTO u VALUES ('a')")
    error = error_of(db.batch([db.prepare("INSERT INTO u VALUES ('b')"), db.prepare("INSERT INTO u VALUES ('a')")]))
    assert "UNIQUE constraint failed: u.k" in str(error)
    assert run(db.prepare("SELECT k FROM u").raw()) == [["a"]]
    error = error_of(db.batch([db.prepare("INSERT INTO u VALUES ('c')"), db.prepare("SELEC 2")]))
    assert 'near "SELEC": syntax error' in str(error)
    error = error_of(db.batch([db.prepare("INSERT INTO u VALUES ('d')"), db.prepare("SELECT ?")]))
    assert "Wrong number of parameter bindings" in str(error)
    assert run(db.prepare("SELECT k FROM u").raw()) == [["a"]]


def test_an_empty_batch_and_non_statements_are_refused(db: D1Database) -> None:
    assert str(error_of(db.batch([]))) == "D1_ERROR: No SQL statements detected."
    with pytest.raises(TypeError, match="prepared statements"):
        run(db.batch(["SELECT 1"]))  # type: ignore[list-item]


# ---------------------------------------------------------------- exec


def test_exec_runs_one_query_per_line(db: D1Database) -> None:
    res = run(db.exec("CREATE TABLE x (a);\nINSERT INTO x VALUES (1);\n\n\nINSERT INTO x VALUES (2);\n"))
    assert isinstance(res, D1ExecResult) and res.count == 3 and res.duration >= 0
    assert res == {"count": 3, "duration": res.duration}
    assert run(db.exec("SELECT 1; SELECT 2;\r\nINSERT INTO x VALUES (3);\r\n  -- indented comment\nSELECT 3")).count == 3
    assert run(db.prepare("SELECT a FROM x ORDER BY a").raw()) == [[1], [2], [3]]


@pytest.mark.parametrize("sql, message", [
    ("", "Error in line 1: : No SQL statements detected."),
    ("  \n  ", "Error in line 1: : No SQL statements detected."),
    ("CREATE TABLE y (\n  a INTEGER\n);", "Error in line 1: CREATE TABLE y (: incomplete input: SQLITE_ERROR"),
    ("-- first line\nSELECT 1", "Error in line 1: -- first line: SQL code did not contain a statement."),
    ("SELECT 1; -- trailing\nSELECT 2", "Error in line 1: SELECT 1; -- trailing: SQL code did not contain a statement."),
    ("INSERT INTO x VALUES (7);\nSELEC 3;", 'Error in line 1: INSERT INTO x VALUES (7);: near "SELEC": syntax error: SQLITE_ERROR'),
    ("SELECT ?", "Error in line 1: SELECT ?: Wrong number of parameter bindings for SQL query."),
    ("SELECT ?0", "Error in line 1: SELECT ?0: variable number must be between ?1 and ?100: SQLITE_ERROR"),
])
def test_exec_errors_are_reported_on_line_one_and_roll_everything_back(db: D1Database, sql: str, message: str) -> None:
    q(db, "CREATE TABLE x (a)")
    assert str(error_of(db.exec(sql))) == "D1_EXEC_ERROR: " + message
    assert q(db, "SELECT count(*) AS n FROM x").results == [{"n": 0}]


# ---------------------------------------------------------------- storage


def test_a_file_database_persists_across_reopening(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    first = D1Database(path)
    run(first.exec("CREATE TABLE t (k TEXT PRIMARY KEY, v BLOB);"))
    run(first.prepare("INSERT INTO t VALUES (?, ?)").bind("a", b"\x00\x01").run())
    first.close()
    again = D1Database(str(path))
    assert run(again.prepare("SELECT k, v FROM t").first()) == {"k": "a", "v": b"\x00\x01"}
    again.close()


def test_a_file_database_is_in_wal_mode_and_commits_before_returning(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    database = D1Database(path, busy_timeout=1.0)
    run(database.prepare("CREATE TABLE t (v)").run())
    run(database.batch([database.prepare("INSERT INTO t VALUES (?)").bind(i) for i in range(3)]))
    other = sqlite3.connect(path)  # another connection sees every acknowledged write
    try:
        assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert other.execute("SELECT count(*) FROM t").fetchone() == (3,)
    finally:
        other.close()
        database.close()


def test_two_databases_on_one_file_see_each_others_writes(tmp_path: Path) -> None:
    a, b = D1Database(tmp_path / "shared.sqlite"), D1Database(tmp_path / "shared.sqlite")
    try:
        run(a.exec("CREATE TABLE t (v)"))
        for i in range(10):
            run((a if i % 2 else b).prepare("INSERT INTO t VALUES (?)").bind(i).run())
        assert run(a.prepare("SELECT count(*) AS n FROM t").first("n")) == 10
        assert run(b.prepare("SELECT sum(v) AS s FROM t").first("s")) == 45
    finally:
        a.close()
        b.close()


def test_split_statements_keeps_code_and_drops_comment_only_pieces() -> None:
    script = "-- header\nCREATE TABLE a (x); /* note */\nCREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END;\n-- end\n"
    assert split_statements(script) == [
        "-- header\nCREATE TABLE a (x);",
        " /* note */\nCREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END;",
    ]
    assert split_statements("SELECT ';' AS s") == ["SELECT ';' AS s"]
    assert split_statements("  ") == []


# ---------------------------------------------------------------- migrations


def write(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(exist_ok=True)
    for name, sql in files.items():
        (directory / name).write_text(sql, encoding="utf-8")
    return directory


def test_migrations_are_applied_once_and_in_order(db: D1Database, tmp_path: Path) -> None:
    migrations = write(tmp_path / "migrations", {
        "0002_add_email.sql": "-- Migration number: 0002\nALTER TABLE users ADD COLUMN email TEXT;\n",
        "0001_create_users.sql": "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\nINSERT INTO users (name) VALUES ('ada');",
        "0003_empty.sql": "-- Migration number: 0003 (nothing yet)\n",
        "README.md": "not a migration",
    })
    assert run(apply_migrations(db, migrations)) == ["0001_create_users.sql", "0002_add_email.sql", "0003_empty.sql"]
    assert run(apply_migrations(db, str(migrations))) == []
    rows = q(db, "SELECT id, name, applied_at FROM d1_migrations ORDER BY id").results
    assert [(r["id"], r["name"]) for r in rows] == [(1, "0001_create_users.sql"), (2, "0002_add_email.sql"), (3, "0003_empty.sql")]
    assert all(isinstance(r["applied_at"], str) and r["applied_at"] for r in rows)
    assert q(db, "SELECT name, email FROM users").results == [{"name": "ada", "email": None}]
    write(migrations, {"0004_index.sql": "CREATE INDEX users_name ON users (name);"})
    assert run(apply_migrations(db, migrations)) == ["0004_index.sql"]


def test_a_failing_migration_is_rolled_back_and_earlier_ones_stay(db: D1Database, tmp_path: Path) -> None:
    migrations = write(tmp_path / "migrations", {
        "0001_ok.sql": "CREATE TABLE a (x);",
        "0002_bad.sql": "CREATE TABLE b (x);\nINSERT INTO missing VALUES (1);",
        "0003_later.sql": "CREATE TABLE c (x);",
    })
    error = error_of(apply_migrations(db, migrations))
    assert str(error) == "D1_ERROR: Migration 0002_bad.sql failed: no such table: missing: SQLITE_ERROR"
    tables = {r[0] for r in run(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").raw())}
    assert {"a", "d1_migrations"} <= tables and not {"b", "c"} & tables
    assert run(db.prepare("SELECT name FROM d1_migrations").raw()) == [["0001_ok.sql"]]
    write(migrations, {"0002_bad.sql": "CREATE TABLE b (x);"})
    assert run(apply_migrations(db, migrations)) == ["0002_bad.sql", "0003_later.sql"]


def test_migrations_follow_d1_rules_and_take_a_table_name(db: D1Database, tmp_path: Path) -> None:
    migrations = write(tmp_path / "m", {"0001_tx.sql": "BEGIN;\nCREATE TABLE a (x);\nCOMMIT;"})
    assert TRANSACTION_REFUSED in str(error_of(apply_migrations(db, migrations, table="my_migrations")))
    write(migrations, {"0001_tx.sql": "CREATE TABLE a (x);"})
    assert run(apply_migrations(db, migrations, table="my_migrations")) == ["0001_tx.sql"]
    assert run(db.prepare("SELECT name FROM my_migrations").raw()) == [["0001_tx.sql"]]


def test_a_migration_another_process_applied_meanwhile_is_no_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from edgekit.bindings import d1_migrations

    migrations = write(tmp_path / "migrations", {"0001_a.sql": "CREATE TABLE a (x);", "0002_b.sql": "CREATE TABLE b (x);"})
    first, late = D1Database(str(tmp_path / "shared.sqlite")), D1Database(str(tmp_path / "shared.sqlite"))
    try:
        assert run(apply_migrations(first, migrations)) == ["0001_a.sql", "0002_b.sql"]

        async def read_before_the_other_applied(db: D1Database, directory: Path, table: str) -> list[Path]:
            return sorted(directory.iterdir())

        # What a worker that started with the first one found pending: both files.
        monkeypatch.setattr(d1_migrations, "_pending", read_before_the_other_applied)
        assert run(apply_migrations(late, migrations)) == []
        write(migrations, {"0003_bad.sql": "INSERT INTO missing VALUES (1);"})
        assert "Migration 0003_bad.sql failed" in str(error_of(apply_migrations(late, migrations)))
    finally:
        first.close()
        late.close()


def test_a_missing_migrations_directory_raises(db: D1Database, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        run(apply_migrations(db, tmp_path / "nope"))


# ---------------------------------------------------------------- processes

WRITER = """
import asyncio, sys
from edgekit.bindings.d1 import D1Database

async def main(path, tag, count):
    db = D1Database(path)
    await db.exec("CREATE TABLE IF NOT EXISTS w (tag TEXT, n INTEGER, part INTEGER)")
    insert = db.prepare("INSERT INTO w VALUES (?, ?, ?)")
    for n in range(count):
        if n % 2:
            await insert.bind(tag, n, 0).run()
        else:  # a batch of three rows: all of them or none
            await db.batch([insert.bind(tag, n, part) for part in range(3)])
        print(n, flush=True)  # acknowledged: run()/batch() returned

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
"""


def writer(path: Path, tag: str, count: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), tag, str(count)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2],
    )


def rows_by_n(path: Path, tag: str) -> dict[int, int]:
    conn = sqlite3.connect(path)
    try:
        return dict(conn.execute("SELECT n, count(*) FROM w WHERE tag = ? GROUP BY n", (tag,)).fetchall())
    finally:
        conn.close()


@pytest.mark.parametrize("kill_after", [1, 7, 20])
def test_acknowledged_writes_survive_sigkill_and_batches_are_never_half_applied(tmp_path: Path, kill_after: int) -> None:
    path = tmp_path / "killed.sqlite"
    proc = writer(path, "k", 10_000)
    assert proc.stdout is not None
    acknowledged = [int(proc.stdout.readline()) for _ in range(kill_after)]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    stored = rows_by_n(path, "k")
    for n in acknowledged:
        assert stored[n] == (1 if n % 2 else 3)
    assert all(count == (1 if n % 2 else 3) for n, count in stored.items())  # the one in flight: all or nothing


def test_two_processes_writing_one_file_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite"
    first = D1Database(path)  # create the table once, so both writers start on the same schema
    run(first.exec("CREATE TABLE IF NOT EXISTS w (tag TEXT, n INTEGER, part INTEGER)"))
    first.close()
    procs = [writer(path, tag, 60) for tag in ("a", "b")]
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        assert out.split() == [str(n) for n in range(60)]
    for tag in ("a", "b"):
        assert rows_by_n(path, tag) == {n: 1 if n % 2 else 3 for n in range(60)}
