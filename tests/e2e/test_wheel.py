"""The built wheel, installed in a fresh virtual environment, runs the demo.

This is the install a user without the repository gets (``python -m build``, then
``pip install auditor-*.whl``): it proves the wheel carries the bundled policy pack, the
report templates and schema, and declares every dependency it imports.
"""

from __future__ import annotations

import json
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_installs_in_a_fresh_venv_and_runs_the_demo(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (wheel,) = dist.glob("auditor-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "auditor/policies/default.yaml" in names
    assert "auditor/report/report.schema.json" in names

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    demo = subprocess.run(
        [str(env_dir / "bin" / "auditor"), "demo", "--output-dir", str(tmp_path / "demo")],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,  # not the repository: only the installed wheel can be imported
        check=False,
    )
    assert demo.returncode == 0, demo.stderr
    report = json.loads((tmp_path / "demo" / "report.json").read_text())
    assert report["summary"]["rules"] >= 14  # the bundled pack, from inside the wheel
    # the framework files and the compliance pack ship in the wheel too
    assert {"eu-ai-act", "hipaa"} <= {f["id"] for f in report["frameworks"]}
    shown = subprocess.run(
        [str(env_dir / "bin" / "auditor"), "framework", "show", "tcpa"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    assert "[checked by outbound-caller-identification]" in shown.stdout
    assert (tmp_path / "demo" / "report.html").read_text().lstrip().startswith("<!DOCTYPE html>")
    where = subprocess.run(
        [str(python), "-c", "import auditor; print(auditor.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert where.stdout.startswith(str(env_dir))
