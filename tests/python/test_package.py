"""The installed package: imported from its install location, not the source tree, with what the
compiler of described networks needs."""
import pathlib
import re
import shutil

import spiketorch
from spiketorch import _build_config

from conftest import REPO


def test_imported_from_the_installation_not_the_sources():
    location = pathlib.Path(spiketorch.__file__).resolve()
    assert REPO / "python" not in location.parents, location
    assert "site-packages" in location.parts, location


def test_version_is_the_projects():
    meson_build = (REPO / "meson.build").read_text()
    version = re.search(r"version\s*:\s*'([^']+)'", meson_build).group(1)
    pyproject = (REPO / "pyproject.toml").read_text()
    assert re.search(r"^version = '([^']+)'", pyproject, re.M).group(1) == version
    assert spiketorch.__version__ == version == _build_config.version


def test_the_headers_are_installed_inside_the_package():
    installed = pathlib.Path(spiketorch.__file__).parent / "include" / "spiketorch"
    sources = sorted(p.relative_to(REPO / "include" / "spiketorch")
                     for p in (REPO / "include" / "spiketorch").rglob("*") if p.is_file())
    assert sources, "no headers in the source tree"
    for rel in sources:
        assert (installed / rel).read_bytes() == (REPO / "include" / "spiketorch" / rel).read_bytes(), rel


def test_the_recorded_compiler_exists():
    assert shutil.which(_build_config.compiler[0]), _build_config.compiler
    assert "-std=c++20" in _build_config.cpp_args
    for d in _build_config.include_dirs:
        assert pathlib.Path(d).is_dir(), d
