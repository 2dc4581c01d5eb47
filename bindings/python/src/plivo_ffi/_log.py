"""The library's log lines, into ``logging.getLogger("plivo_ffi")``.

A client gets a C log callback only when that logger is enabled for at least ERROR
when the client is made; its ``max_level`` is the most verbose ``PlivoLogLevel`` the
logger is enabled for then (the library does not format lines nobody wants). The
ctypes callback object must outlive every C object that may call it: the client and
every queue made on it (a queue keeps its C client alive). The owners hold it in their
finalizers' arguments, so it goes only after the last of them is freed.
"""

from __future__ import annotations

import ctypes
import logging
from typing import Any, Optional

from ._errors import _check
from ._lib import LogCallback

LOGGER_NAME = "plivo_ffi"
logger = logging.getLogger(LOGGER_NAME)
# A library adds no handler of its own but this one: without any handler in the
# chain, logging's "last resort" would print WARNING and ERROR lines to stderr.
logger.addHandler(logging.NullHandler())

# PlivoLogLevel -> logging level, most severe first.
_LEVELS = (
    (1, logging.ERROR),  # PLIVO_LOG_ERROR
    (2, logging.WARNING),  # PLIVO_LOG_WARN
    (3, logging.INFO),  # PLIVO_LOG_INFO
    (4, logging.DEBUG),  # PLIVO_LOG_DEBUG
)
_TO_LOGGING = dict(_LEVELS)


def max_level() -> int:
    """The ``PlivoLogLevel`` to ask for now, 0 when the logger wants nothing."""
    level = 0
    for plivo_level, py_level in _LEVELS:
        if logger.isEnabledFor(py_level):
            level = plivo_level
    return level


def _on_line(_user_data: Any, level: int, message: Optional[bytes]) -> None:
    # Runs on library threads (the caller's, or a queue worker): never raise into C.
    try:
        text = message.decode("utf-8", "replace") if message is not None else ""
        logger.log(_TO_LOGGING.get(level, logging.DEBUG), text)
    except BaseException:  # noqa: BLE001 - nothing may propagate into C
        pass


#: One ctypes callback for every client: a module global, so it can never be collected
#: while the module lives; owners still hold it in their finalizers (see above).
_CALLBACK = LogCallback(_on_line)


def install(lib: ctypes.CDLL, options: Any) -> Optional[Any]:
    """Set the log callback on ``options`` if the logger wants lines.

    Returns the ctypes callback object, to be kept alive by the owner of every C object
    made from these options (None: no callback was installed).
    """
    level = max_level()
    if level == 0:
        return None
    _check(lib, lib.plivo_options_set_log_callback(options, level, _CALLBACK, None))
    return _CALLBACK


def release(free: Any, pointer: Any, keep_alive: Any = None) -> None:
    """Finalizer: ``free(pointer)``; ``keep_alive`` is only held until then."""
    free(pointer)
    del keep_alive
