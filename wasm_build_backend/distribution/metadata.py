"""PEP 621 `[project]` metadata to core metadata 2.4 (METADATA and PKG-INFO)."""

from __future__ import annotations

import glob
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import EmailPolicy
from pathlib import Path
from typing import Any

from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import InvalidName, canonicalize_name
from packaging.version import InvalidVersion, Version

from ..errors import BuildError

METADATA_VERSION = "2.4"

_PROJECT_KEYS = frozenset(
    {
        "name",
        "version",
        "description",
        "readme",
        "license",
        "license-files",
        "authors",
        "maintainers",
        "keywords",
        "classifiers",
        "urls",
        "requires-python",
        "dependencies",
        "optional-dependencies",
        "scripts",
        "gui-scripts",
        "entry-points",
        "dynamic",
    }
)
_README_TYPES = {".md": "text/markdown", ".rst": "text/x-rst", ".txt": "text/plain"}


@dataclass
class Metadata:
    name: str
    version: Version
    description: str = ""
    readme_text: str | None = None
    readme_type: str = "text/plain"
    readme_file: str | None = None
    license_expression: str | None = None
    license_text: str | None = None
    license_files: list[str] = field(default_factory=list)
    authors: list[dict[str, str]] = field(default_factory=list)
    maintainers: list[dict[str, str]] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    classifiers: list[str] = field(default_factory=list)
    urls: dict[str, str] = field(default_factory=dict)
    requires_python: str | None = None
    dependencies: list[str] = field(default_factory=list)
    optional_dependencies: dict[str, list[str]] = field(default_factory=dict)
    entry_points: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def dist_name(self) -> str:
        """The name as it appears in wheel and sdist file names."""
        return canonicalize_name(self.name).replace("-", "_")

    def core_metadata(self) -> str:
        """The METADATA / PKG-INFO text."""
        msg = EmailMessage(policy=EmailPolicy(max_line_length=0, utf8=True))
        msg["Metadata-Version"] = METADATA_VERSION
        msg["Name"] = self.name
        msg["Version"] = str(self.version)
        if self.description:
            msg["Summary"] = self.description
        for kw, people in (("Author", self.authors), ("Maintainer", self.maintainers)):
            names = [p["name"] for p in people if "name" in p and "email" not in p]
            emails = [
                f"{p['name']} <{p['email']}>" if "name" in p else p["email"]
                for p in people
                if "email" in p
            ]
            if names:
                msg[kw] = ", ".join(names)
            if emails:
                msg[f"{kw}-email"] = ", ".join(emails)
        if self.keywords:
            msg["Keywords"] = ",".join(self.keywords)
        if self.license_expression:
            msg["License-Expression"] = self.license_expression
        elif self.license_text:
            msg["License"] = self.license_text
        for path in self.license_files:
            msg["License-File"] = path
        for classifier in self.classifiers:
            msg["Classifier"] = classifier
        for label, url in self.urls.items():
            msg["Project-URL"] = f"{label}, {url}"
        if self.requires_python:
            msg["Requires-Python"] = self.requires_python
        for dep in self.dependencies:
            msg["Requires-Dist"] = str(Requirement(dep))
        for extra, deps in self.optional_dependencies.items():
            msg["Provides-Extra"] = extra
            for dep in deps:
                req = Requirement(dep)
                marker = f'extra == "{extra}"'
                if req.marker:
                    marker = f"({req.marker}) and {marker}"
                req.marker = None
                msg["Requires-Dist"] = f"{req}; {marker}"
        if self.readme_text is not None:
            msg["Description-Content-Type"] = self.readme_type
            msg.set_payload(self.readme_text)
        return msg.as_string()

    def entry_points_txt(self) -> str | None:
        if not self.entry_points:
            return None
        lines: list[str] = []
        for group, entries in sorted(self.entry_points.items()):
            lines.append(f"[{group}]")
            lines.extend(f"{k} = {v}" for k, v in sorted(entries.items()))
            lines.append("")
        return "\n".join(lines)


def _str(value: Any, key: str, pyproject: Path) -> str:
    if not isinstance(value, str):
        raise BuildError(f"[project] {key} must be a string, not {type(value).__name__}", pyproject)
    return value


def _str_list(value: Any, key: str, pyproject: Path) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BuildError(f"[project] {key} must be a list of strings", pyproject)
    return list(value)


def _people(value: Any, key: str, pyproject: Path) -> list[dict[str, str]]:
    if not isinstance(value, list):
        raise BuildError(f"[project] {key} must be a list of tables", pyproject)
    people = []
    for person in value:
        if (
            not isinstance(person, dict)
            or not person
            or set(person) - {"name", "email"}
            or not all(isinstance(v, str) for v in person.values())
        ):
            raise BuildError(
                f"[project] {key} entries must be tables with `name` and/or `email`", pyproject
            )
        people.append(dict(person))
    return people


def _requirements(value: Any, key: str, pyproject: Path) -> list[str]:
    reqs = _str_list(value, key, pyproject)
    for req in reqs:
        try:
            Requirement(req)
        except InvalidRequirement as e:
            raise BuildError(
                f"[project] {key}: invalid requirement {req!r}: {e}", pyproject
            ) from None
    return reqs


def _readme(meta: Metadata, value: Any, root: Path, pyproject: Path) -> None:
    content_type = None
    if isinstance(value, str):
        file: str | None = value
        text = None
    elif isinstance(value, dict):
        file, text = value.get("file"), value.get("text")
        content_type = value.get("content-type")
        if (file is None) == (text is None):
            raise BuildError(
                "[project] readme table needs exactly one of `file` or `text`", pyproject
            )
    else:
        raise BuildError("[project] readme must be a file name or a table", pyproject)
    if file is not None:
        path = root / file
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            raise BuildError(f"[project] readme file {file!r} cannot be read", pyproject) from None
        meta.readme_file = Path(file).as_posix()
        if content_type is None:
            content_type = _README_TYPES.get(path.suffix.lower())
            if content_type is None:
                raise BuildError(
                    f"[project] readme {file!r}: cannot tell its content type from the suffix; "
                    "give `readme = {file = ..., content-type = ...}`",
                    pyproject,
                )
    if content_type is None:
        raise BuildError("[project] readme text needs a `content-type`", pyproject)
    meta.readme_text = text
    meta.readme_type = content_type


def _license(meta: Metadata, project: dict[str, Any], root: Path, pyproject: Path) -> None:
    value = project.get("license")
    if isinstance(value, str):
        try:
            meta.license_expression = str(canonicalize_license_expression(value))
        except InvalidLicenseExpression as e:
            raise BuildError(f"[project] license: {e}", pyproject) from None
    elif isinstance(value, dict):
        if "file" in value:
            meta.license_text = (root / value["file"]).read_text(encoding="utf-8")
            meta.license_files.append(Path(value["file"]).as_posix())
        elif "text" in value:
            meta.license_text = value["text"]
    elif value is not None:
        raise BuildError("[project] license must be an SPDX expression string", pyproject)
    patterns = project.get("license-files")
    if patterns is None:
        return
    for pattern in _str_list(patterns, "license-files", pyproject):
        matches = sorted(
            Path(p).relative_to(root).as_posix()
            for p in glob.glob(str(root / pattern), recursive=True)
            if Path(p).is_file()
        )
        if not matches:
            raise BuildError(f"[project] license-files: {pattern!r} matches no file", pyproject)
        meta.license_files.extend(m for m in matches if m not in meta.license_files)


def parse_project(project: Any, root: Path, pyproject: Path) -> Metadata:
    """Read and check the `[project]` table."""
    if not isinstance(project, dict):
        raise BuildError("missing [project] table (PEP 621 metadata)", pyproject)
    unknown = sorted(set(project) - _PROJECT_KEYS)
    if unknown:
        raise BuildError(
            f"unknown [project] key(s): {', '.join(unknown)}; "
            f"valid keys: {', '.join(sorted(_PROJECT_KEYS))}",
            pyproject,
        )
    if project.get("dynamic"):
        raise BuildError(
            f"[project] dynamic fields are not supported (got {project['dynamic']}); "
            "give every field statically",
            pyproject,
        )
    for key in ("name", "version"):
        if key not in project:
            raise BuildError(f"[project] is missing the required `{key}`", pyproject)
    name = _str(project["name"], "name", pyproject)
    try:
        canonicalize_name(name, validate=True)
    except InvalidName:
        raise BuildError(
            f"[project] name {name!r} is not a valid distribution name", pyproject
        ) from None
    try:
        version = Version(_str(project["version"], "version", pyproject))
    except InvalidVersion:
        raise BuildError(
            f"[project] version {project['version']!r} is not a valid version", pyproject
        ) from None
    meta = Metadata(name=name, version=version)
    meta.description = _str(project.get("description", ""), "description", pyproject)
    if "readme" in project:
        _readme(meta, project["readme"], root, pyproject)
    _license(meta, project, root, pyproject)
    meta.authors = _people(project.get("authors", []), "authors", pyproject)
    meta.maintainers = _people(project.get("maintainers", []), "maintainers", pyproject)
    meta.keywords = _str_list(project.get("keywords", []), "keywords", pyproject)
    meta.classifiers = _str_list(project.get("classifiers", []), "classifiers", pyproject)
    urls = project.get("urls", {})
    if not isinstance(urls, dict) or not all(isinstance(v, str) for v in urls.values()):
        raise BuildError("[project] urls must be a table of strings", pyproject)
    meta.urls = dict(urls)
    if "requires-python" in project:
        spec = _str(project["requires-python"], "requires-python", pyproject)
        try:
            SpecifierSet(spec)
        except InvalidSpecifier:
            raise BuildError(
                f"[project] requires-python {spec!r} is not a valid specifier", pyproject
            ) from None
        meta.requires_python = spec
    meta.dependencies = _requirements(project.get("dependencies", []), "dependencies", pyproject)
    extras = project.get("optional-dependencies", {})
    if not isinstance(extras, dict):
        raise BuildError("[project] optional-dependencies must be a table", pyproject)
    meta.optional_dependencies = {
        str(canonicalize_name(k)): _requirements(v, f"optional-dependencies.{k}", pyproject)
        for k, v in extras.items()
    }
    for key, group in (("scripts", "console_scripts"), ("gui-scripts", "gui_scripts")):
        if key in project:
            meta.entry_points[group] = dict(project[key])
    for group, entries in project.get("entry-points", {}).items():
        meta.entry_points[group] = dict(entries)
    return meta
