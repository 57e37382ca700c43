"""Imported by the fork server, last: the main script, once, for every worker forked from it.

multiprocessing has each child of the fork server import the parent's main script
again (as ``__mp_main__``) before it reads its task, unless the server imported it
already; Python 3.11's ``set_forkserver_preload(["__main__"])`` never does, since the
script's path does not reach the server. A script that imports casecode at the top
then cost every worker about half a second, one worker after the other (see
:func:`casecode.coding.forkserver.start`). The path comes in
:data:`casecode.coding.forkserver.MAIN_PATH_ENV`.

If the script cannot be imported here, nothing changes: each child imports it as before
and meets the same error there.
"""

from __future__ import annotations

import os
from multiprocessing import process, spawn

from casecode.coding.forkserver import MAIN_PATH_ENV

_path = os.environ.pop(MAIN_PATH_ENV, None)
if _path:
    process.current_process()._inheriting = True  # type: ignore[attr-defined]  # as multiprocessing does it
    try:
        spawn.import_main_path(_path)
    except BaseException:  # noqa: BLE001  (the children report it)
        pass
    finally:
        del process.current_process()._inheriting  # type: ignore[attr-defined]
