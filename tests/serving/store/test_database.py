"""The store's database: migrated to head at open, durable SQLite settings, failures named."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from serving.store.database import LeadStore, alembic_config, current_revision
from serving.store.errors import StoreUnavailable
from serving.store.scores import add_scores, lead_history
from serving.store.tables import VERSION_TABLE, metadata
from tests.conftest import ROOT
from tests.serving.store.conftest import UNREACHABLE
from tests.serving.store.factories import score_record


def test_open_migrates_to_head_and_the_schema_matches_the_tables(store: LeadStore) -> None:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert current_revision(store.engine) == head == "0005"
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE, "compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_opening_again_keeps_the_data(store: LeadStore) -> None:
    add_scores(store, [score_record("L-1")])
    again = LeadStore(store.url)
    again.open()
    try:
        assert lead_history(again, "L-1").latest.lead_id == "L-1"
    finally:
        again.close()


def test_the_version_table_does_not_clash_with_mlflow(store: LeadStore) -> None:
    names = set(sa.inspect(store.engine).get_table_names())
    assert {"leads", "lead_scores", "lead_outcomes", VERSION_TABLE} <= names
    assert "alembic_version" not in names  # MLflow's own migrations use that name


def test_sqlite_writes_ahead_and_syncs_fully(tmp_path: Path) -> None:
    store = LeadStore(f"sqlite:///{tmp_path / 'deep' / 'folder' / 'leads.db'}")
    store.open()  # the folder is created
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    store.close()
    assert (tmp_path / "deep" / "folder" / "leads.db").is_file()


def test_migrations_run_from_any_working_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no alembic.ini here, and the package is found by import
    store = LeadStore("sqlite:///relative/leads.db")
    store.open()
    store.close()
    assert (tmp_path / "relative" / "leads.db").is_file()


def test_an_unreachable_store_is_unavailable_naming_it() -> None:
    store = LeadStore(UNREACHABLE.replace("postgres@", "postgres:secret@"), connect_timeout=2)
    with pytest.raises(StoreUnavailable) as caught:
        store.open()
    message = str(caught.value)
    assert "127.0.0.1:1/nowhere" in message and "unavailable" in message
    assert "secret" not in message
    assert caught.value.reason.startswith("OperationalError: ")


def test_a_sqlite_folder_that_cannot_be_made_is_unavailable(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file where the folder should be")
    with pytest.raises(StoreUnavailable, match="taken"):
        LeadStore(f"sqlite:///{tmp_path / 'taken' / 'leads.db'}").open()


def test_writes_before_open_migrate_first(store_url: str) -> None:
    fresh = LeadStore(store_url)  # never opened: the first write upgrades the schema
    try:
        assert add_scores(fresh, [score_record("L-1")]) == [1]
        assert current_revision(fresh.engine) == "0005"
    finally:
        fresh.close()



REPLICA = """
import sys, time
from serving.store.database import LeadStore
store = LeadStore(sys.argv[1])
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))  # all replicas open at the same moment
store.open()
"""


def test_replicas_starting_together_migrate_once(store_url: str) -> None:
    go = time.time() + 4.0  # after every process has imported
    replicas = [subprocess.Popen([sys.executable, "-c", REPLICA, store_url, str(go)], cwd=ROOT,
                                 stderr=subprocess.PIPE, text=True) for _ in range(4)]
    errors = [replica.communicate(timeout=60)[1] for replica in replicas]
    assert [replica.returncode for replica in replicas] == [0, 0, 0, 0], errors
    store = LeadStore(store_url)
    assert current_revision(store.engine) == "0005"
    store.close()
