"""What a dataset folder holds, counted one way for ``devkit status`` and the dashboard.

The dataset is every regular file below the folder except devkit's own bookkeeping (the
manifest, its journal and partial downloads, all named ``.devkit-*``); symlinks are not
counted (they point at data counted elsewhere, or nowhere).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from devkit.data.names import RESERVED_PREFIX


def dataset_usage(folder: Path) -> tuple[int, int, float | None]:
    """(files, bytes, newest mtime) of the dataset in ``folder``; (0, 0, None) when absent."""
    files = size = 0
    newest: float | None = None
    if not folder.is_dir():
        return 0, 0, None
    for dirpath, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(RESERVED_PREFIX)]
        for name in names:
            if name.startswith(RESERVED_PREFIX):
                continue
            try:
                st = os.lstat(os.path.join(dirpath, name))
            except OSError:
                continue
            if not stat.S_ISREG(st.st_mode):
                continue
            files += 1
            size += st.st_size
            newest = st.st_mtime if newest is None else max(newest, st.st_mtime)
    return files, size, newest
