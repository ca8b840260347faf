"""Turning what users pass to ``log_image`` into PNG or JPEG bytes."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from carnet.exceptions import InvalidValue, NotFound

_SIGNATURES = {b"\x89PNG\r\n\x1a\n": ".png", b"\xff\xd8\xff": ".jpg"}
MAX_IMAGE_BYTES = 50 * 1024 * 1024


def read_image_file(path: str | os.PathLike[str]) -> tuple[bytes, str]:
    """The bytes of a PNG or JPEG file and its extension; anything else is refused."""
    file = Path(path)
    if not file.is_file():
        raise NotFound(f"path: no image file at {str(file)!r}", field="path")
    if file.stat().st_size > MAX_IMAGE_BYTES:
        raise InvalidValue(f"path: {file.name} is larger than {MAX_IMAGE_BYTES // 2**20} MiB", field="path")
    data = file.read_bytes()
    return data, _extension(data, "path")


def render_figure(plot: Any) -> tuple[bytes, str]:
    """PNG bytes of a matplotlib Figure (or the ``pyplot`` module, meaning its current figure)."""
    figure = plot.gcf() if hasattr(plot, "gcf") else plot
    if not hasattr(figure, "savefig"):
        raise InvalidValue(
            f"plot: expected a matplotlib Figure (or matplotlib.pyplot), got {type(plot).__name__}",
            field="plot",
        )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue(), ".png"


def array_to_png(image: Any) -> bytes:
    """PNG bytes of a numpy array (HxW, HxWx3 or HxWx4) or a PIL image (MLflow's ``log_image``)."""
    if hasattr(image, "save") and hasattr(image, "mode"):  # PIL.Image
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return buffer.getvalue()
    import numpy as np

    array = np.asarray(image)
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (1, 3, 4)):
        raise InvalidValue(
            f"image: expected an HxW, HxWx3 or HxWx4 array, got shape {array.shape}", field="image"
        )
    try:
        from matplotlib.image import imsave
    except ImportError:
        raise InvalidValue(
            "image: writing arrays as PNG needs matplotlib or pillow: pip install matplotlib", field="image"
        ) from None
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.dtype.kind == "f":
        array = np.clip(array, 0.0, 1.0)
    buffer = io.BytesIO()
    imsave(buffer, array, format="png", cmap="gray" if array.ndim == 2 else None)
    return buffer.getvalue()


def _extension(data: bytes, field: str) -> str:
    for signature, extension in _SIGNATURES.items():
        if data.startswith(signature):
            return extension
    raise InvalidValue(f"{field}: only PNG and JPEG images can be logged", field=field)
