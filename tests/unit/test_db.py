"""db.transaction: what a block writes lands whole or not at all."""

import duckdb
import pytest

from pipelines.lib import db


def test_a_failing_block_leaves_nothing_and_a_good_one_commits():
    con = duckdb.connect()
    db.run(con, "CREATE TABLE t (x INTEGER)")
    with pytest.raises(ValueError), db.transaction(con):
        db.run(con, "INSERT INTO t VALUES (1)")
        raise ValueError("a failure after the first write")
    assert db.scalar(con, "SELECT count(*) FROM t") == 0
    with db.transaction(con):
        db.run(con, "INSERT INTO t VALUES (2)")
    assert db.rows(con, "SELECT x FROM t") == [(2,)]
