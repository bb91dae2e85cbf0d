"""What an npz file holds, read from the zip directory and each array's header, never its data.

NumPy allocates an array from its header's shape before reading the data, so a damaged or
crafted header could ask for any amount of memory. Reading the headers first lets the caller
check the shapes against what it expects, and here each array is refused when its header claims
more bytes than the file can hold (stored members: their size in the file; deflated ones: the
most deflate can expand).
"""

from __future__ import annotations

import math
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from lstm_tui.engine.errors import brief

MAX_MEMBERS = 10_000  # arrays in one file: a model and its optimizer state hold a few dozen
MAX_DEFLATE_RATIO = 1032  # deflate cannot expand data by more than this


class NpzProblem(ValueError):
    """Why an npz file is unusable; `pickled` when it holds Python objects."""

    def __init__(self, why: str, pickled: bool = False) -> None:
        super().__init__(why)
        self.pickled = pickled


@dataclass(frozen=True)
class ArrayHeader:
    """One array's shape and element type, as its header declares them."""

    shape: tuple[int, ...]
    dtype: np.dtype

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize


def read_headers(path: Path) -> dict[str, ArrayHeader]:
    """Name (without `.npy`) → header of every array in the file; `NpzProblem` when the file is not
    an npz of plain arrays or a header claims more data than the file holds."""
    with open(path, "rb") as handle:  # not there, or not readable: the caller's OSError
        return _read(handle, os.fstat(handle.fileno()).st_size)


def _read(handle: BinaryIO, on_disk: int) -> dict[str, ArrayHeader]:
    try:
        with zipfile.ZipFile(handle) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                raise NpzProblem(f"{len(members):,} members")
            if sum(m.compress_size for m in members) > on_disk:
                raise NpzProblem("its directory lists more data than the file holds")
            return {_name(m): _header(archive, m) for m in members}
    except NpzProblem:
        raise
    except Exception as exc:  # noqa: BLE001 - zipfile (OSError on a bad offset too), zlib, struct, NumPy's header parser
        raise NpzProblem(f"{type(exc).__name__}: {brief(exc)}") from None


def _name(member: zipfile.ZipInfo) -> str:
    if not member.filename.endswith(".npy"):
        raise NpzProblem(f"it holds {member.filename[:60]!r}, which is not an array")
    return member.filename[: -len(".npy")]


def _header(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> ArrayHeader:
    if member.compress_type == zipfile.ZIP_STORED:
        capacity = member.compress_size
    elif member.compress_type == zipfile.ZIP_DEFLATED:
        capacity = member.compress_size * MAX_DEFLATE_RATIO
    else:
        raise NpzProblem(f"{member.filename[:60]!r} uses an unsupported compression")
    if member.file_size > capacity:
        raise NpzProblem(f"{member.filename[:60]!r} claims more data than the file holds")
    with archive.open(member) as handle:
        version = np.lib.format.read_magic(handle)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(handle)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(handle)
        else:
            raise NpzProblem(f"{member.filename[:60]!r} has an unknown array format {version}")
        header_bytes = handle.tell()
    if any(n < 0 for n in shape):
        raise NpzProblem(f"{member.filename[:60]!r} declares a negative size")
    header = ArrayHeader(tuple(int(n) for n in shape), dtype)
    if dtype.hasobject:
        raise NpzProblem(f"{member.filename[:60]!r} holds Python objects", pickled=True)
    if header.nbytes > member.file_size - header_bytes:
        raise NpzProblem(f"{member.filename[:60]!r} declares {header.shape} but holds fewer bytes")
    return header
