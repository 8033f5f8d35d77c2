"""Files as an upload handler receives them, read safely.

Reflex builds the list from the multipart request, but the handler is an event like any other: a hostile
browser can call it over the websocket with anything in place of the files. Only real upload files are
read, at most MAX_FILES of them and never more than one byte past the size limit each.
"""

from __future__ import annotations

import reflex as rx

from ..services.documents import MAX_BYTES

MAX_FILES = 10


def read_uploads(files) -> list[tuple[str, bytes]]:
    out = []
    for file in files[:MAX_FILES] if isinstance(files, list) else []:
        if not isinstance(file, rx.UploadFile):
            continue
        # The relative path Reflex kept of the sent name: "../../x.pdf" arrives as "x.pdf" in file.name but
        # as a path here, so a name that tried to climb folders is refused rather than quietly renamed.
        name = str(file.path) if file.path else ""
        out.append((name, file.file.read(MAX_BYTES + 1)))
    return out
