"""Beyond one machine: the per-article stages on a Dask cluster give the same site as one
process, and a cluster that is not there is one clear error."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from timeline.build import BuildConfig, build
from timeline.cli import app
from timeline.errors import BuildError, UsageError

distributed = pytest.importorskip(
    "distributed", reason="the Dask test needs distributed (pip install -e '.[test]')"
)

SEEDS = Path(__file__).parent.parent / "seeds"


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as local:
        yield local


@pytest.fixture
def articles(tmp_path) -> Path:
    shutil.copytree(SEEDS, tmp_path / "articles")
    return tmp_path / "articles"


def test_dask_gives_the_same_site_as_one_process(cluster, articles, tmp_path):
    base = {"source": articles, "cache": False}
    build(BuildConfig(out=tmp_path / "serial", executor="serial", **base))
    report = build(
        BuildConfig(
            out=tmp_path / "dask", executor="dask", scheduler=cluster.scheduler_address, **base
        )
    )
    assert report.articles == 5
    assert tree(tmp_path / "dask") == tree(tmp_path / "serial")


def test_dask_from_the_command_line(cluster, articles, tmp_path):
    out = tmp_path / "site"
    args = ["build", "--source", str(articles), "--out", str(out)]
    result = CliRunner().invoke(
        app, [*args, "--executor", "dask", "--scheduler", cluster.scheduler_address]
    )
    assert result.exit_code == 0, result.output
    assert "Built 5 articles" in result.output
    assert (out / "index.html").is_file()


def test_dask_without_a_scheduler_is_a_usage_error(articles, tmp_path):
    with pytest.raises(UsageError, match="--scheduler"):
        build(BuildConfig(source=articles, out=tmp_path / "s", executor="dask", cache=False))


def test_unreachable_scheduler_is_one_clear_error(articles, tmp_path):
    config = BuildConfig(
        source=articles, out=tmp_path / "s", scheduler="tcp://127.0.0.1:9", cache=False
    )
    with pytest.raises(BuildError, match=r"cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        build(config)
    assert not (tmp_path / "s").exists()
