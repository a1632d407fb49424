"""The compile cache of described networks: each module is compiled once per description type,
library version, compiler, flags and headers, and kept under the user's cache directory.

Concurrent first uses (several processes building the same network) are safe: the compile runs
under a lock file per module, writes a temporary file and renames it into place, so a reader
never sees a half-written module, and whoever takes the lock second finds it done. A module is
loaded only if its file has the SHA-256 recorded beside it when it was compiled (NAME.sha256):
a file truncated or damaged after the fact (a full disk, a copy cut short) is compiled again
rather than handed to dlopen, which crashes the interpreter (SIGBUS) on a truncated library.
"""
from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import os
import pathlib
import platform
import signal
import subprocess
import sys
import sysconfig
import time
from types import ModuleType
from typing import Dict, List, Optional, Tuple

from . import _build_config

PACKAGE_DIR = pathlib.Path(__file__).resolve().parent
INCLUDE_DIR = PACKAGE_DIR / "include"
JIT_DIR = PACKAGE_DIR / "jit"

# Compiler invocations by this process (the tests check that a cached module compiles nothing).
compiles = 0
# What the last load_module did: "memory", "disk" or "compiled", and how long it took.
last_load = {"how": "", "seconds": 0.0}

_loaded: Dict[str, ModuleType] = {}  # by the module file's path
_headers_digest: Optional[str] = None


class CompileError(RuntimeError):
    """The C++ compiler rejected a described network's module."""


def cache_dir() -> pathlib.Path:
    """$SPIKETORCH_CACHE_DIR, else $XDG_CACHE_HOME/spiketorch, else ~/.cache/spiketorch."""
    d = os.environ.get("SPIKETORCH_CACHE_DIR")
    if d:
        return pathlib.Path(d)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return pathlib.Path(xdg) / "spiketorch"
    return pathlib.Path.home() / ".cache" / "spiketorch"


def _headers() -> str:
    """A digest of every installed header the modules may include (read once per process)."""
    global _headers_digest
    if _headers_digest is None:
        h = hashlib.sha256()
        for root in (INCLUDE_DIR, JIT_DIR):
            for p in sorted(root.rglob("*")):
                if p.is_file() and p.suffix in (".hpp", ".h", ".cuh"):
                    h.update(str(p.relative_to(root)).encode())
                    h.update(p.read_bytes())
        _headers_digest = h.hexdigest()
    return _headers_digest


def _cpu() -> str:
    """The CPU's model and instruction-set flags when the flags say -march=native, so that a cache
    directory shared by machines of different CPUs (a network home) never hands one a module
    built for another's instructions."""
    if "-march=native" not in _build_config.cpp_args:
        return ""
    try:
        with open("/proc/cpuinfo") as f:
            info = f.read()
    except OSError:
        return platform.processor() or platform.machine()
    keep = [l for l in info.splitlines() if l.startswith(("model name", "flags", "Features"))]
    return "\n".join(dict.fromkeys(keep))  # the first core's lines, once


def compile_command(source: pathlib.Path, output: pathlib.Path) -> List[str]:
    """The compiler, the extension's recorded flags (-O2: faster to compile than -O3 for the same
    loops), the package's headers, pybind11's and Python's."""
    includes = [str(INCLUDE_DIR), str(JIT_DIR)]
    try:
        import pybind11  # the pip package, when present; Debian's headers are in /usr/include
        includes.append(pybind11.get_include())
    except ImportError:
        pass
    includes.append(sysconfig.get_paths()["include"])
    includes += [d for d in _build_config.include_dirs if d not in includes]
    return (list(_build_config.compiler) + list(_build_config.cpp_args) + ["-O2"] +
            [f"-I{d}" for d in includes] + [str(source), "-o", str(output)])


def module_name(type_key: str) -> str:
    """The module's name: a hash of the description's types, the library version, the compiler,
    its flags, the CPU (for -march=native) and the headers."""
    h = hashlib.sha256()
    for part in (type_key, _build_config.version, _build_config.compiler_id,
                 repr(compile_command(pathlib.Path("src.cpp"), pathlib.Path("out"))),
                 _build_config.ext_suffix, _cpu(), _headers()):
        h.update(part.encode())
        h.update(b"\0")
    return "_stnet_" + h.hexdigest()[:24]


def _first_errors(log: str, n: int = 12) -> str:
    lines = [l for l in log.splitlines() if "error" in l]
    return "\n".join((lines or log.splitlines())[:n])


def _digest(path: pathlib.Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _digest_file(so: pathlib.Path) -> pathlib.Path:
    return so.parent / (so.name[:-len(_build_config.ext_suffix)] + ".sha256")


def _intact(so: pathlib.Path) -> bool:
    """Whether the module file is the one compiled (its digest is the one recorded)."""
    try:
        return _digest_file(so).read_text().strip() == _digest(so)
    except OSError:  # no module, or no record: a cache from before records, or a partial copy
        return False


def _run_compiler(cmd: List[str]) -> Tuple[str, str, int]:
    """Runs the compiler in a process group of its own, which is killed whole when this is
    interrupted: killing only the driver (what subprocess.run does on KeyboardInterrupt) leaves
    its cc1plus compiling on, when the interrupt reached only Python (Jupyter's, a kill -INT)."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
    try:
        stdout, stderr = p.communicate()
    except BaseException:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        raise
    return stdout, stderr, p.returncode


def _compile(d: pathlib.Path, name: str, source: str, summary: str, so: pathlib.Path) -> None:
    """Compiles `source` into the module file `so` (under the module's lock)."""
    global compiles
    cpp = d / (name + ".cpp")
    tmp_cpp = d / f"{name}.{os.getpid()}.cpp.tmp"
    tmp_cpp.write_text(source)
    os.replace(tmp_cpp, cpp)
    tmp_so = d / f"{name}.{os.getpid()}.so.tmp"
    tmp_digest = d / f"{name}.{os.getpid()}.sha256.tmp"
    cmd = compile_command(cpp, tmp_so)
    compiles += 1
    try:
        stdout, stderr, returncode = _run_compiler(cmd)
        log = " ".join(cmd) + "\n" + stdout + stderr
        (d / (name + ".log")).write_text(log)
        if returncode != 0:
            raise CompileError(
                f"compiling the network failed (exit {returncode}); the network:\n"
                f"{summary}\nfirst errors:\n{_first_errors(stdout + stderr)}\n"
                f"(source {cpp}, full log {d / (name + '.log')})")
        tmp_digest.write_text(_digest(tmp_so) + "\n")
        os.replace(tmp_digest, _digest_file(so))
        os.replace(tmp_so, so)
    finally:  # also on Ctrl-C: no partial file left behind
        tmp_so.unlink(missing_ok=True)
        tmp_digest.unlink(missing_ok=True)


def load_module(name: str, source: str, summary: str) -> ModuleType:
    """The compiled module `name` (from this process, the cache, or compiled from `source`)."""
    t0 = time.perf_counter()
    d = cache_dir()
    so = d / (name + _build_config.ext_suffix)
    if str(so) in _loaded:
        last_load.update(how="memory", seconds=time.perf_counter() - t0)
        return _loaded[str(so)]
    how = "disk"
    if not _intact(so):
        try:
            d.mkdir(parents=True, exist_ok=True)
            lock = open(d / (name + ".lock"), "w")
        except OSError as e:
            raise type(e)(e.errno, f"the compile cache {d} is not writable ({e.strerror}); set "
                                   f"SPIKETORCH_CACHE_DIR to a writable directory") from e
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not _intact(so):  # another process may have finished it while we waited
                how = "compiled"
                _compile(d, name, source, summary, so)
    spec = importlib.util.spec_from_file_location(name, so)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules[name] = module
    _loaded[str(so)] = module
    last_load.update(how=how, seconds=time.perf_counter() - t0)
    return module
