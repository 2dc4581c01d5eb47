"""Finding, loading and declaring libplivo (ctypes).

Where the library comes from, first to last (:func:`load_library`):

1. an explicit path (``load_library(path)`` or ``Client(..., library=path)``): exactly
   that file, nothing else is tried;
2. ``$PLIVO_LIBRARY``, when set: authoritative, no fallback to another copy;
3. the package's own directory: the ``libplivo.so`` a wheel bundles
   (``make wheel``), so an installed wheel needs no environment variable;
4. ``pkg-config --variable=libdir plivo`` (``make install``, the libplivo-dev package);
5. the system loader: ``libplivo.so.0`` (the libplivo0 package, ``ldconfig``), then
   ``ctypes.util.find_library("plivo")``.

Every exported function of ``plivo.h`` gets its ``argtypes`` and ``restype`` here, in
``_PROTOTYPES``; the test suite checks that list against the header.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import subprocess
import threading
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

__all__ = [
    "PlivoLibraryNotFound",
    "load_library",
    "library_path",
    "ENV_LIBRARY",
]

#: Environment variable naming the libplivo shared library to load.
ENV_LIBRARY = "PLIVO_LIBRARY"

StrPath = Union[str, "os.PathLike[str]"]


class PlivoLibraryNotFound(OSError):
    """libplivo could not be loaded.

    ``attempts`` lists ``(place, reason)`` for every place that was tried, in order;
    the message lists them too.
    """

    def __init__(self, attempts: Sequence[Tuple[str, str]]) -> None:
        self.attempts: List[Tuple[str, str]] = list(attempts)
        lines = ["libplivo could not be loaded; tried, in order:"]
        lines += [f"  - {place}: {reason}" for place, reason in self.attempts]
        lines.append(
            "Pass the path of libplivo.so to plivo_ffi.load_library(path) or "
            f"Client(..., library=path), or set {ENV_LIBRARY}=/path/to/libplivo.so."
        )
        super().__init__("\n".join(lines))

    def __reduce__(self) -> Tuple[Any, Tuple[Any, ...]]:  # pickling with a custom __init__
        return (type(self), (self.attempts,))


# --- opaque handle types ---------------------------------------------------------


class PlivoClient(ctypes.Structure):
    """Opaque ``PlivoClient``; only ever used through a pointer."""


class PlivoOptions(ctypes.Structure):
    """Opaque ``PlivoOptions``; only ever used through a pointer."""


class PlivoStreamParams(ctypes.Structure):
    """Opaque ``PlivoStreamParams``; only ever used through a pointer."""


ClientP = ctypes.POINTER(PlivoClient)
OptionsP = ctypes.POINTER(PlivoOptions)
ParamsP = ctypes.POINTER(PlivoStreamParams)


class PlivoQueue(ctypes.Structure):
    """Opaque ``PlivoQueue``; only ever used through a pointer."""


class PlivoResult(ctypes.Structure):
    """Opaque ``PlivoResult``; only ever used through a pointer."""


QueueP = ctypes.POINTER(PlivoQueue)
ResultP = ctypes.POINTER(PlivoResult)

#: ``PlivoLogCallback``: ``void (*)(void *user_data, PlivoLogLevel level, const char *message)``.
LogCallback = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p)

_c_code = ctypes.c_int  # PlivoCode: an int-sized enum
_str = ctypes.c_char_p  # const char * argument (bytes or None)
# Owned strings come back through char **. c_void_p (not c_char_p) keeps the raw
# pointer so it can be copied and then handed to plivo_string_free().
_out_str = ctypes.POINTER(ctypes.c_void_p)

#: name -> (restype, argtypes) for every function of plivo.h.
_PROTOTYPES: Dict[str, Tuple[object, List[object]]] = {
    # client
    "plivo_client_new": (ClientP, [_str, _str]),
    "plivo_client_new_with_options": (ClientP, [_str, _str, OptionsP]),
    "plivo_client_free": (None, [ClientP]),
    # stream operations
    "plivo_stop_stream": (_c_code, [ClientP, _str, _str]),
    "plivo_stop_all_streams": (_c_code, [ClientP, _str]),
    "plivo_start_stream": (_c_code, [ClientP, _str, _str, ParamsP, _out_str]),
    "plivo_get_stream": (_c_code, [ClientP, _str, _str, _out_str]),
    "plivo_list_streams": (_c_code, [ClientP, _str, _out_str]),
    "plivo_string_free": (None, [ctypes.c_void_p]),
    # codes, version, last error (borrowed const char *: c_char_p copies to bytes)
    "plivo_code_name": (ctypes.c_char_p, [ctypes.c_int]),
    "plivo_version": (ctypes.c_char_p, []),
    "plivo_last_error": (ctypes.c_char_p, []),
    "plivo_last_error_code": (_c_code, []),
    "plivo_last_http_status": (ctypes.c_int, []),
    "plivo_last_api_id": (ctypes.c_char_p, []),
    # options
    "plivo_options_new": (OptionsP, []),
    "plivo_options_free": (None, [OptionsP]),
    "plivo_options_set_base_url": (_c_code, [OptionsP, _str]),
    "plivo_options_set_timeout_ms": (_c_code, [OptionsP, ctypes.c_uint32]),
    "plivo_options_set_connect_timeout_ms": (_c_code, [OptionsP, ctypes.c_uint32]),
    "plivo_options_set_max_retries": (_c_code, [OptionsP, ctypes.c_uint32]),
    "plivo_options_set_proxy": (_c_code, [OptionsP, _str]),
    "plivo_options_set_ca_file": (_c_code, [OptionsP, _str]),
    "plivo_options_set_allow_insecure_http": (_c_code, [OptionsP, ctypes.c_bool]),
    # stream parameters
    "plivo_stream_params_new": (ParamsP, []),
    "plivo_stream_params_free": (None, [ParamsP]),
    "plivo_stream_params_set_bidirectional": (_c_code, [ParamsP, ctypes.c_bool]),
    "plivo_stream_params_set_audio_track": (_c_code, [ParamsP, _str]),
    "plivo_stream_params_set_stream_timeout": (_c_code, [ParamsP, ctypes.c_uint32]),
    "plivo_stream_params_set_status_callback_url": (_c_code, [ParamsP, _str]),
    "plivo_stream_params_set_status_callback_method": (_c_code, [ParamsP, _str]),
    "plivo_stream_params_set_content_type": (_c_code, [ParamsP, _str]),
    "plivo_stream_params_set_extra_headers": (_c_code, [ParamsP, _str]),
    "plivo_stream_params_set_cx_bot": (_c_code, [ParamsP, ctypes.c_bool]),
    # observability
    "plivo_options_set_log_callback": (_c_code, [OptionsP, ctypes.c_int, LogCallback, ctypes.c_void_p]),
    "plivo_client_stats": (_c_code, [ClientP, _out_str]),
    # completion queues
    "plivo_queue_new": (QueueP, [ClientP, ctypes.c_uint32]),
    "plivo_queue_free": (None, [QueueP]),
    "plivo_queue_fd": (ctypes.c_int, [QueueP]),
    "plivo_queue_stop_stream": (_c_code, [QueueP, _str, _str, ctypes.c_uint64]),
    "plivo_queue_stop_all_streams": (_c_code, [QueueP, _str, ctypes.c_uint64]),
    "plivo_queue_start_stream": (_c_code, [QueueP, _str, _str, ParamsP, ctypes.c_uint64]),
    "plivo_queue_get_stream": (_c_code, [QueueP, _str, _str, ctypes.c_uint64]),
    "plivo_queue_list_streams": (_c_code, [QueueP, _str, ctypes.c_uint64]),
    "plivo_queue_cancel": (_c_code, [QueueP, ctypes.c_uint64]),
    "plivo_queue_next": (ResultP, [QueueP]),
    "plivo_queue_wait": (ResultP, [QueueP, ctypes.c_uint32]),
    "plivo_queue_pending": (ctypes.c_uint32, [QueueP]),
    # results (borrowed strings: c_char_p copies to bytes, before plivo_result_free)
    "plivo_result_tag": (ctypes.c_uint64, [ResultP]),
    "plivo_result_code": (_c_code, [ResultP]),
    "plivo_result_http_status": (ctypes.c_int, [ResultP]),
    "plivo_result_message": (ctypes.c_char_p, [ResultP]),
    "plivo_result_api_id": (ctypes.c_char_p, [ResultP]),
    "plivo_result_body": (ctypes.c_char_p, [ResultP]),
    "plivo_result_attempts": (ctypes.c_uint32, [ResultP]),
    "plivo_result_elapsed_us": (ctypes.c_uint64, [ResultP]),
    "plivo_result_free": (None, [ResultP]),
}


def _declare(lib: ctypes.CDLL) -> None:
    """Set argtypes/restype of every function; OSError naming a missing symbol."""
    missing = [name for name in _PROTOTYPES if not hasattr(lib, name)]
    if missing:
        raise OSError(
            "not a compatible libplivo (missing " + ", ".join(missing) + ")"
        )
    for name, (restype, argtypes) in _PROTOTYPES.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes


# --- discovery ---------------------------------------------------------------------

# libplivo builds for Linux only (ELF shared library with a SONAME).
_FILE_NAMES: Tuple[str, ...] = ("libplivo.so", "libplivo.so.0")
_SYSTEM_NAME = "libplivo.so.0"

_lock = threading.Lock()
_default: Optional[Tuple[ctypes.CDLL, str]] = None  # (library, where it came from)
_by_path: Dict[str, ctypes.CDLL] = {}


def _open(spec: str) -> ctypes.CDLL:
    lib = ctypes.CDLL(spec)
    _declare(lib)
    return lib


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def _try_files(
    place: str, directory: str, attempts: List[Tuple[str, str]]
) -> Optional[Tuple[ctypes.CDLL, str]]:
    for name in _FILE_NAMES:
        path = os.path.join(directory, name)
        if not os.path.exists(path):
            attempts.append((f"{place} {path}", "no such file"))
            continue
        try:
            return _open(path), path
        except OSError as exc:
            attempts.append((f"{place} {path}", _reason(exc)))
    return None


def _pkg_config_libdir(attempts: List[Tuple[str, str]]) -> Optional[str]:
    exe = shutil.which("pkg-config")
    if exe is None:
        attempts.append(("pkg-config --variable=libdir plivo", "pkg-config not installed"))
        return None
    try:
        proc = subprocess.run(
            [exe, "--variable=libdir", "plivo"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        attempts.append(("pkg-config --variable=libdir plivo", _reason(exc)))
        return None
    libdir = proc.stdout.decode("utf-8", "replace").strip()
    if proc.returncode != 0 or not libdir:
        why = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        attempts.append(
            (
                "pkg-config --variable=libdir plivo",
                (why[0] if why else f"exit status {proc.returncode}, no libdir"),
            )
        )
        return None
    return libdir


def _discover() -> Tuple[ctypes.CDLL, str]:
    attempts: List[Tuple[str, str]] = []

    # (2) PLIVO_LIBRARY: authoritative when set (no silent fallback to another copy).
    env = os.environ.get(ENV_LIBRARY)
    if env:
        try:
            return _open(env), env
        except OSError as exc:
            raise PlivoLibraryNotFound([(f"${ENV_LIBRARY}={env}", _reason(exc))]) from None
    attempts.append((f"${ENV_LIBRARY}", "not set"))

    # (3) beside this package (a wheel may ship the library).
    found = _try_files("package directory", os.path.dirname(os.path.abspath(__file__)), attempts)
    if found:
        return found

    # (4) pkg-config.
    libdir = _pkg_config_libdir(attempts)
    if libdir is not None:
        found = _try_files("pkg-config libdir", libdir, attempts)
        if found:
            return found

    # (5) the system loader.
    try:
        return _open(_SYSTEM_NAME), _SYSTEM_NAME
    except OSError as exc:
        attempts.append((f"system loader ({_SYSTEM_NAME})", _reason(exc)))
    name = ctypes.util.find_library("plivo")
    if name is None:
        attempts.append(('ctypes.util.find_library("plivo")', "nothing found"))
    else:
        try:
            return _open(name), name
        except OSError as exc:
            attempts.append((f'ctypes.util.find_library("plivo") -> {name}', _reason(exc)))
    raise PlivoLibraryNotFound(attempts)


def load_library(path: Optional[StrPath] = None) -> ctypes.CDLL:
    """Load libplivo (once) and return it with every prototype declared.

    With ``path``, exactly that file is loaded (cached per path); failure raises
    :class:`PlivoLibraryNotFound` without trying anywhere else. Without it, the
    library is looked up once per process, in this order: ``$PLIVO_LIBRARY``
    (authoritative when set), the package's own directory, ``pkg-config
    --variable=libdir plivo``, then the system loader (``libplivo.so.0``, then
    ``ctypes.util.find_library("plivo")``). Thread-safe.
    """
    global _default
    if path is not None:
        key = os.fspath(path)
        with _lock:
            lib = _by_path.get(key)
            if lib is None:
                try:
                    lib = _open(key)
                except OSError as exc:
                    raise PlivoLibraryNotFound([(f"explicit path {key}", _reason(exc))]) from None
                _by_path[key] = lib
            return lib
    found = _default
    if found is None:
        with _lock:
            if _default is None:
                _default = _discover()
            found = _default
    return found[0]


def library_path() -> str:
    """Where the default library was found (loading it if needed): a path or loader name."""
    load_library()
    assert _default is not None
    return _default[1]
