"""The built wheel carries ontology/ and graphs/: install it into a fresh venv, run from elsewhere."""

from __future__ import annotations

import email.parser
import json
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SKIP = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "out")


@pytest.mark.slow
def test_wheel_installs_and_finds_its_data_from_an_unrelated_directory(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=SKIP)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    subprocess.run(
        [
            *pip,
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-w",
            str(tmp_path / "dist"),
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = (tmp_path / "dist").glob("reegraph-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        [metadata] = [n for n in names if n.endswith(".dist-info/METADATA")]
        fields = email.parser.HeaderParser().parsestr(archive.read(metadata).decode())
        licences = {Path(n).name: archive.read(n).decode() for n in names if "/licenses/" in n}
    assert fields["License-Expression"] == "Apache-2.0 AND CC-BY-4.0"
    requires = fields.get_all("Requires-Dist")
    assert [r for r in requires if r.startswith("pyvis")] == ['pyvis>=0.3.2; extra == "views"']  # not core
    assert sorted(fields.get_all("License-File")) == ["LICENSE", "LICENSE-DATA", "NOTICE"]
    assert "Apache License\n                           Version 2.0" in licences["LICENSE"]
    assert licences["LICENSE-DATA"].startswith("Attribution 4.0 International")
    assert "Apache-2.0" not in licences["LICENSE-DATA"] and "LICENSE-DATA" in licences["NOTICE"]

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [*pip, "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    # The dependencies come from the test environment, with no network: list its site-packages.
    target = Path(
        subprocess.check_output(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
        ).strip()
    )
    paths = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (target / "test-deps.pth").write_text("\n".join(sorted(paths)) + "\n")

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run(
        [str(python), "-c", "import reegraph.rdf.load as l; print(l.data_root())"],
        cwd=elsewhere,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert Path(where) == target / "reegraph"
    shown = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.metadata('reegraph')['License-Expression'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert shown == "Apache-2.0 AND CC-BY-4.0"  # what `pip show reegraph` prints (pip 25.1 or newer)

    result = subprocess.run(
        [str(env_dir / "bin" / "reegraph"), "info", "--format", "json"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["classes"]["Element"] == 17
    assert info["ontology_version"] == "0.2.0"

    shipped = {p.relative_to(source / "graphs") for p in (source / "graphs").rglob("*.ttl")}
    installed = {p.relative_to(target / "reegraph" / "graphs") for p in (target / "reegraph" / "graphs").rglob("*.ttl")}
    assert shipped == installed

    result = subprocess.run(
        [str(env_dir / "bin" / "reegraph"), "validate"], cwd=elsewhere, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr

    result = subprocess.run(
        [str(env_dir / "bin" / "reegraph"), "report", "--format", "json"], cwd=elsewhere, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["chokepoints"][0]["id"] == "CN"

    shipped_queries = {p.name for p in (source / "reegraph" / "queries").glob("*.rq")}
    assert {p.name for p in (target / "reegraph" / "queries").glob("*.rq")} == shipped_queries
    result = subprocess.run(
        [str(env_dir / "bin" / "reegraph"), "query", "elements", "--param", "group=magnet", "--format", "csv"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "symbol,name,atomicNumber,group,classification"
    drawn = subprocess.run(
        [str(env_dir / "bin" / "reegraph"), "map", "-o", str(elsewhere / "map.html")],
        cwd=elsewhere,
        capture_output=True,
        text=True,
    )
    assert drawn.returncode == 0, drawn.stderr
    assert (elsewhere / "map.html").read_text(encoding="utf-8").count("<path d=") > 150  # the outlines shipped
