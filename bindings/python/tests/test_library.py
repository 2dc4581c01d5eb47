"""Loading libplivo, and the ctypes prototypes against include/plivo.h."""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

import plivo_ffi
from conftest import AUTH_ID, AUTH_TOKEN, REPO
from plivo_ffi import _lib

HEADER = REPO / "include" / "plivo.h"
PACKAGE_DIR = Path(plivo_ffi.__file__).resolve().parent


def _header() -> str:
    if not HEADER.exists():
        pytest.skip(f"{HEADER} not found")
    return HEADER.read_text()


# --- prototypes --------------------------------------------------------------------

_C_TYPES = {
    "const char *": ctypes.c_char_p,
    "char **": _lib._out_str,
    "char *": ctypes.c_void_p,  # plivo_string_free: the raw pointer, not a copy
    "uint32_t": ctypes.c_uint32,
    "uint64_t": ctypes.c_uint64,
    "void *": ctypes.c_void_p,  # user_data
    "enum PlivoLogLevel": ctypes.c_int,
    "PlivoLogCallback": _lib.LogCallback,
    "struct PlivoQueue *": _lib.QueueP,
    "const struct PlivoQueue *": _lib.QueueP,
    "struct PlivoResult *": _lib.ResultP,
    "const struct PlivoResult *": _lib.ResultP,
    "bool": ctypes.c_bool,
    "int": ctypes.c_int,
    "enum PlivoCode": ctypes.c_int,
    "struct PlivoClient *": _lib.ClientP,
    "const struct PlivoClient *": _lib.ClientP,
    "struct PlivoOptions *": _lib.OptionsP,
    "const struct PlivoOptions *": _lib.OptionsP,
    "struct PlivoStreamParams *": _lib.ParamsP,
    "const struct PlivoStreamParams *": _lib.ParamsP,
    "void": None,
}


def _c_type(decl: str) -> object:
    tokens = re.findall(r"\w+|\*", decl)
    words = " ".join(t for t in tokens if t != "*")
    stars = tokens.count("*")
    key = words + (" " + "*" * stars if stars else "")
    assert key in _C_TYPES, f"no ctypes mapping for C type {key!r}"
    return _C_TYPES[key]


def _header_functions() -> Dict[str, Tuple[object, List[object]]]:
    text = re.sub(r"/\*.*?\*/", "", _header(), flags=re.S)
    functions = {}
    for ret, name, params in re.findall(
        r"^([A-Za-z_][\w\s\*]*?)\s*\b(plivo_\w+)\s*\(([^)]*)\)\s*;", text, flags=re.M
    ):
        args = []
        for param in [p.strip() for p in params.split(",")]:
            if param in ("", "void"):
                continue
            ptype = re.sub(r"\s*\b\w+$", "", param)  # drop the parameter name
            args.append(_c_type(ptype))
        functions[name] = (_c_type(ret), args)
    return functions


def test_every_header_function_is_declared_with_matching_types():
    functions = _header_functions()
    assert len(functions) >= 56
    assert set(functions) == set(_lib._PROTOTYPES), "header and binding disagree"
    lib = plivo_ffi.load_library()
    for name, (restype, argtypes) in functions.items():
        fn = getattr(lib, name)
        assert fn.restype is restype, name
        assert fn.argtypes is not None, name
        assert list(fn.argtypes) == argtypes, name


def test_exported_symbols_are_all_declared():
    nm = shutil.which("nm")
    path = plivo_ffi.library_path()
    if nm is None or not os.path.isfile(path):
        pytest.skip("nm or a library file path is not available")
    out = subprocess.run([nm, "-D", "--defined-only", path], capture_output=True, text=True,
                         check=True).stdout
    exported = {line.split()[-1] for line in out.splitlines() if " T " in line}
    assert exported == set(_lib._PROTOTYPES)


def test_version_matches_header():
    match = re.search(r'#define PLIVO_VERSION "([^"]+)"', _header())
    assert match
    assert plivo_ffi.version() == match.group(1)
    assert re.fullmatch(r"\d+\.\d+\.\d+([-+].*)?", plivo_ffi.version())


# --- loading -----------------------------------------------------------------------


def _library_file() -> str:
    path = plivo_ffi.library_path()
    if not os.path.isfile(path):
        pytest.skip("the library was found by the system loader, not as a file")
    return path


def test_explicit_path_is_cached_and_used_by_client(server):
    path = _library_file()
    lib = plivo_ffi.load_library(path)
    assert plivo_ffi.load_library(Path(path)) is lib
    with plivo_ffi.Client(AUTH_ID, AUTH_TOKEN, base_url=server.base_url, library=path) as c:
        assert c._lib is lib
        c.stop_stream("CALL1", "S1")


def test_explicit_path_not_found(tmp_path):
    missing = tmp_path / "nope" / "libplivo.so"
    with pytest.raises(plivo_ffi.PlivoLibraryNotFound) as info:
        plivo_ffi.load_library(missing)
    assert isinstance(info.value, OSError)
    assert str(missing) in str(info.value)
    assert len(info.value.attempts) == 1
    with pytest.raises(plivo_ffi.PlivoLibraryNotFound):
        plivo_ffi.Client(AUTH_ID, AUTH_TOKEN, library=missing)


def test_library_without_plivo_symbols_is_refused():
    import ctypes.util

    libc = ctypes.util.find_library("c")
    if libc is None:
        pytest.skip("no libc found")
    with pytest.raises(plivo_ffi.PlivoLibraryNotFound, match="missing plivo_"):
        plivo_ffi.load_library(libc)


def _run(code: str, env_updates: Dict[str, Optional[str]], pythonpath: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    for name in ("PLIVO_LIBRARY", "LD_LIBRARY_PATH", "PKG_CONFIG_PATH", "PKG_CONFIG_LIBDIR"):
        env.pop(name, None)
    for name, value in env_updates.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=60)


def _stdout_of(code: str, env_updates: Dict[str, Optional[str]], pythonpath: Path) -> str:
    """The output of ``code`` run as by :func:`_run`, which must exit with 0."""
    proc = _run(code, env_updates, pythonpath)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _package_copy(dest: Path, with_library: Optional[str] = None) -> Path:
    """A copy of the plivo_ffi package (without any shipped library) under dest."""
    target = dest / "plivo_ffi"
    shutil.copytree(PACKAGE_DIR, target,
                    ignore=shutil.ignore_patterns("__pycache__", "libplivo*", "*.dll"))
    if with_library:
        shutil.copy2(with_library, target / "libplivo.so")
    return dest


def _system_has_libplivo() -> bool:
    probe = _run("import ctypes, ctypes.util\n"
                 "try:\n ctypes.CDLL('libplivo.so.0'); print('yes')\n"
                 "except OSError:\n print('yes' if ctypes.util.find_library('plivo') else 'no')",
                 {}, Path("."))
    return probe.stdout.strip() == "yes"


def test_import_is_lazy_and_not_found_lists_every_place(tmp_path):
    if sys.platform != "linux":
        pytest.skip("Linux library names")
    if _system_has_libplivo():
        pytest.skip("a libplivo is installed system-wide")
    pkgdir = _package_copy(tmp_path / "site")
    empty = tmp_path / "empty-pc"
    empty.mkdir()
    code = (
        "import plivo_ffi\n"  # must not load anything yet
        "try:\n"
        "    plivo_ffi.version()\n"
        "except plivo_ffi.PlivoLibraryNotFound as e:\n"
        "    assert isinstance(e, OSError)\n"
        "    print(e)\n"
        "else:\n"
        "    raise SystemExit('loaded a library')\n"
    )
    message = _stdout_of(code, {"PKG_CONFIG_PATH": str(empty), "PKG_CONFIG_LIBDIR": str(empty)},
                         pkgdir)
    places = [
        "$PLIVO_LIBRARY",
        f"package directory {pkgdir / 'plivo_ffi' / 'libplivo.so'}",
        "pkg-config",
        "system loader (libplivo.so.0)",
        'ctypes.util.find_library("plivo")',
    ]
    positions = [message.find(p) for p in places]
    assert all(p >= 0 for p in positions), message
    assert positions == sorted(positions), message


def test_env_library_is_authoritative(tmp_path):
    pkgdir = _package_copy(tmp_path / "site", with_library=_library_file())
    missing = str(tmp_path / "missing" / "libplivo.so")
    code = (
        "import plivo_ffi\n"
        "try:\n"
        "    plivo_ffi.load_library()\n"
        "except plivo_ffi.PlivoLibraryNotFound as e:\n"
        "    print(len(e.attempts)); print(e)\n"
    )
    stdout = _stdout_of(code, {"PLIVO_LIBRARY": missing}, pkgdir)
    assert stdout.startswith("1\n")
    assert f"$PLIVO_LIBRARY={missing}" in stdout


def test_env_library_is_used(tmp_path):
    path = _library_file()
    pkgdir = _package_copy(tmp_path / "site")
    stdout = _stdout_of("import plivo_ffi; print(plivo_ffi.library_path()); "
                        "print(plivo_ffi.version())", {"PLIVO_LIBRARY": path}, pkgdir)
    assert stdout.splitlines() == [path, plivo_ffi.version()]


def test_library_beside_the_package(tmp_path):
    pkgdir = _package_copy(tmp_path / "site", with_library=_library_file())
    stdout = _stdout_of("import plivo_ffi; print(plivo_ffi.library_path())", {}, pkgdir)
    assert stdout.strip() == str(pkgdir / "plivo_ffi" / "libplivo.so")


def test_library_from_pkg_config(tmp_path):
    if shutil.which("pkg-config") is None:
        pytest.skip("pkg-config is not installed")
    libdir = tmp_path / "prefix" / "lib"
    libdir.mkdir(parents=True)
    os.symlink(_library_file(), libdir / "libplivo.so")
    pcdir = tmp_path / "pc"
    pcdir.mkdir()
    (pcdir / "plivo.pc").write_text(
        f"prefix={tmp_path / 'prefix'}\nlibdir=${{prefix}}/lib\n\n"
        "Name: plivo\nDescription: test\nVersion: 0.1.0\nLibs: -L${libdir} -lplivo\n"
    )
    pkgdir = _package_copy(tmp_path / "site")
    stdout = _stdout_of("import plivo_ffi; print(plivo_ffi.library_path())",
                        {"PKG_CONFIG_PATH": str(pcdir)}, pkgdir)
    assert stdout.strip() == str(libdir / "libplivo.so")


def test_explicit_path_beats_environment(tmp_path):
    path = _library_file()
    pkgdir = _package_copy(tmp_path / "site")
    code = f"import plivo_ffi; print(plivo_ffi.load_library({path!r}).plivo_version().decode())"
    stdout = _stdout_of(code, {"PLIVO_LIBRARY": str(tmp_path / "missing.so")}, pkgdir)
    assert stdout.strip() == plivo_ffi.version()


def test_concurrent_first_load_is_safe(tmp_path):
    path = _library_file()
    pkgdir = _package_copy(tmp_path / "site")
    code = (
        "import threading, plivo_ffi\n"
        "libs = []\n"
        "b = threading.Barrier(16)\n"
        "def go():\n"
        "    b.wait(); libs.append(plivo_ffi.load_library())\n"
        "ts = [threading.Thread(target=go) for _ in range(16)]\n"
        "[t.start() for t in ts]; [t.join() for t in ts]\n"
        "print(len(libs), len({id(l) for l in libs}))\n"
    )
    stdout = _stdout_of(code, {"PLIVO_LIBRARY": path}, pkgdir)
    assert stdout.split() == ["16", "1"]
