"""The one atomic writer (pipelines/lib/atomic.py): a file is replaced whole or left as it was, never half
written, and no temporary file is left behind (publish, the archive's withdrawal marker and the synthetic
authority's returns all write through it)."""

from __future__ import annotations

import pytest

from pipelines.lib.atomic import renamed_into_place


def test_the_file_appears_whole_when_the_block_ends(tmp_path):
    target = tmp_path / "kpi_values.csv"
    target.write_text("old\n")
    with renamed_into_place(target) as tmp:
        tmp.write_text("new\n")
        assert tmp.parent == target.parent and tmp != target
        assert target.read_text() == "old\n"  # not replaced until the block ends
    assert target.read_text() == "new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["kpi_values.csv"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "kpi_values.csv"
    target.write_text("old\n")
    with pytest.raises(OSError), renamed_into_place(target) as tmp:
        tmp.write_text("half")
        raise OSError(28, "No space left on device")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["kpi_values.csv"]


def test_the_runtime_writers_use_it():
    # publish, archive and the generator's returns hold no rename-into-place of their own
    import inspect

    from pipelines.lib import archive, publish
    from scorecard_tools.generator import returns_common

    for module in (archive, publish, returns_common):
        assert module.renamed_into_place is renamed_into_place
        assert ".tmp" not in inspect.getsource(module)
