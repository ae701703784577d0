"""The helper thread that creates task logs ahead of their tasks."""

from __future__ import annotations

from pathlib import Path

from ameide.logspool import LogSpool


def test_logs_are_made_ahead_and_unused_ones_removed(tmp_path: Path) -> None:
    paths = [tmp_path / f"t{i}.log" for i in range(5)]
    (tmp_path / "t4.log").write_bytes(b"made by its task first\n")
    spool = LogSpool(str(p) for p in paths)
    # a task opens its log for appending (no truncation) whether or not the helper got there
    for p in paths[:2]:
        with open(p, "ab") as fh:
            fh.write(b"$ task\n")
    spool.close()
    assert [p.read_bytes() for p in paths[:2]] == [b"$ task\n", b"$ task\n"]
    # never-started tasks leave no log behind; a file the helper did not make is kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t0.log", "t1.log", "t4.log"]
    assert paths[4].read_bytes() == b"made by its task first\n"


def test_a_log_the_helper_cannot_create_is_left_to_the_task(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir" / "t.log"
    spool = LogSpool([str(missing)])
    spool.close()  # no exception: the task meets (and reports) the error itself
    assert not missing.exists()


def test_an_empty_spool_starts_no_thread(tmp_path: Path) -> None:
    spool = LogSpool([])
    assert spool._thread is None
    spool.close()
