"""Security guards: loopback by default, XSRF on, no Streamlit or unpickling in the library."""

from __future__ import annotations

import re
import tomllib
import urllib.error
import urllib.request

import pytest

from .conftest import ROOT


def test_streamlit_listens_on_loopback_with_xsrf_protection() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1"
    assert config["server"]["enableXsrfProtection"] is True
    assert config["client"]["toolbarMode"] == "minimal"


@pytest.mark.browser
def test_cross_site_upload_is_refused(app_server: str) -> None:
    body = (
        b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\nProduct_Code,W0\r\nP1,1\r\n--x--\r\n"
    )
    for headers in (
        {"Origin": "http://attacker.invalid"},
        {"X-Xsrftoken": "forged", "Cookie": "_streamlit_xsrf=other"},
    ):
        request = urllib.request.Request(
            f"{app_server}/_stcore/upload_file/some-session/some-file",
            data=body,
            method="PUT",
            headers={"Content-Type": "multipart/form-data; boundary=x", **headers},
        )
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(request, timeout=10)
        assert err.value.code == 403


def _sources(*folders: str) -> list:
    return [p for f in folders for p in (ROOT / f).rglob("*.py")]


def test_library_never_imports_streamlit() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in _sources("dtwcore")
        if re.search(r"^\s*(import|from)\s+streamlit", p.read_text(), re.MULTILINE)
    ]
    assert offenders == []


def test_nothing_unpickles_or_evaluates() -> None:
    pattern = re.compile(r"pickle\.loads?\(|\beval\(|\bexec\(|allow_pickle\s*=\s*True")
    offenders = [
        str(p.relative_to(ROOT))
        for p in _sources("dtwcore", "pages") + [ROOT / "app.py"]
        if pattern.search(p.read_text())
    ]
    assert offenders == []
