"""Core metadata 2.4 from every static PEP 621 field, the same from every hook."""

from __future__ import annotations

import shutil
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

from build import ProjectBuilder
from conftest import SAMPLES, run

FULL = """\
[build-system]
requires = ["wasm-build-backend"]
build-backend = "wasm_build_backend"

[project]
name = "Full_Project"
version = "2.1.0rc1"
description = "Every field"
readme = "README.md"
license = "MIT OR Apache-2.0"
license-files = ["LICEN[CS]E*"]
authors = [{ name = "Ada", email = "ada@example.org" }, { name = "Bob" }]
maintainers = [{ email = "team@example.org" }]
keywords = ["wasm", "cli"]
classifiers = ["Programming Language :: C", "Environment :: Console"]
requires-python = ">=3.9"
dependencies = ["packaging>=20", "tomli; python_version < '3.11'"]

[project.optional-dependencies]
Extra_One = ["rich", "colorama; sys_platform == 'win32'"]

[project.urls]
Homepage = "https://example.org"
Source = "https://example.org/src"

[project.scripts]
full-py = "full_py:main"

[tool.wasm-build-backend]
packages = ["full_py"]

[tool.wasm-build-backend.scripts]
full = "hello.wasm"
"""


def make_full(tmp_path: Path) -> Path:
    project = tmp_path / "full"
    project.mkdir()
    (project / "pyproject.toml").write_text(FULL)
    (project / "README.md").write_text("# Full\n\nLong description.\n")
    (project / "LICENSE").write_text("MIT text\n")
    (project / "LICENSE-APACHE").write_text("Apache text\n")
    (project / "full_py").mkdir()
    (project / "full_py" / "__init__.py").write_text("def main() -> None:\n    print('py')\n")
    shutil.copy(SAMPLES / "hello" / "hello.wasm", project)
    return project


def test_every_field(tmp_path: Path) -> None:
    project = make_full(tmp_path)
    run([sys.executable, "-m", "wasm_build_backend", "build", project, "-o", tmp_path / "dist"])
    wheel = zipfile.ZipFile(next((tmp_path / "dist").glob("*.whl")))
    assert wheel.filename is not None and Path(wheel.filename).name.startswith(
        "full_project-2.1.0rc1-py3-none-"
    )
    text = wheel.read("full_project-2.1.0rc1.dist-info/METADATA").decode()
    msg = Parser().parsestr(text)
    assert msg["Metadata-Version"] == "2.4"
    assert msg["Name"] == "Full_Project"
    assert msg["Version"] == "2.1.0rc1"
    assert msg["Summary"] == "Every field"
    assert msg["License-Expression"] == "MIT OR Apache-2.0"
    assert msg.get_all("License-File") == ["LICENSE", "LICENSE-APACHE"]
    assert msg["Author"] == "Bob"
    assert msg["Author-email"] == "Ada <ada@example.org>"
    assert msg["Maintainer-email"] == "team@example.org"
    assert msg["Keywords"] == "wasm,cli"
    assert msg.get_all("Classifier") == ["Programming Language :: C", "Environment :: Console"]
    assert msg.get_all("Project-URL") == [
        "Homepage, https://example.org",
        "Source, https://example.org/src",
    ]
    assert msg["Requires-Python"] == ">=3.9"
    assert msg.get_all("Provides-Extra") == ["extra-one"]
    assert msg.get_all("Requires-Dist") == [
        "packaging>=20",
        'tomli; python_version < "3.11"',
        'rich; extra == "extra-one"',
        'colorama; (sys_platform == "win32") and extra == "extra-one"',
    ]
    assert msg["Description-Content-Type"] == "text/markdown"
    assert msg.get_payload() == "# Full\n\nLong description.\n"
    names = wheel.namelist()
    assert "full_project-2.1.0rc1.dist-info/licenses/LICENSE-APACHE" in names
    assert "full_py/__init__.py" in names
    entry_points = wheel.read("full_project-2.1.0rc1.dist-info/entry_points.txt").decode()
    assert entry_points == "[console_scripts]\nfull-py = full_py:main\n"


def test_prepared_metadata_matches_wheel(tmp_path: Path) -> None:
    project = make_full(tmp_path)
    builder = ProjectBuilder(project)
    prepared = Path(builder.metadata_path(tmp_path / "meta"))
    wheel_path = Path(builder.build("wheel", tmp_path / "dist"))
    with zipfile.ZipFile(wheel_path) as wheel:
        for name in ("METADATA", "entry_points.txt", "licenses/LICENSE"):
            assert (prepared / name).read_bytes() == wheel.read(f"{prepared.name}/{name}")
