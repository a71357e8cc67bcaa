"""Writing a release safely: the checks on OUTDIR, and the write-then-swap.

Nothing is written outside OUTDIR. Refused: the filesystem root, the home folder, the project
or a folder holding it, a folder of the project other than ``out/...``, a path with ``..``
that leads into the project, a symbolic link, and an existing folder that is neither empty nor
a release (a release holds the ``.vrgraph-release`` marker); a path through a symbolic link
is refused too. The new release is written to a temporary folder beside OUTDIR and swapped
in whole, in one step (:mod:`vrgraph.atomic`). A large release is not held in memory: its
files go to that folder as they are made (:class:`Files`, :func:`streamed`).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from .. import atomic
from ..errors import InputError, OutputError
from ..project import Project

MARKER = ".vrgraph-release"


def check_outdir(project: Project, outdir: Path) -> Path:
    """The resolved ``outdir`` if it is safe to replace; else raise :class:`InputError`."""
    raw = Path(outdir).expanduser()
    shown = str(outdir)
    if raw.absolute().is_symlink():
        raise InputError(f"{shown}: is a symbolic link; give the real folder")
    target = raw.resolve()
    linked = next((p for p in raw.absolute().parents if p.is_symlink()), None)
    if linked is not None:
        raise InputError(f"{shown}: {linked} is a symbolic link, so the release would go "
                         f"elsewhere than it reads; give the real path, {target}")
    root = project.root.resolve()
    inside = target == root or root in target.parents
    if target == Path(target.anchor):
        raise InputError(f"{shown}: is the filesystem root; give a folder of its own")
    if target == Path.home().resolve():
        raise InputError(f"{shown}: is your home folder; give a folder of its own")
    if target == root or target in root.parents:
        raise InputError(f"{shown}: would replace the project itself or a folder holding it; "
                         f"publish to a folder of its own, e.g. out/release")
    if ".." in raw.parts and inside:
        raise InputError(f"{shown}: contains '..' and leads into the project "
                         f"({project.display(target)}); refused")
    if inside:
        rel = target.relative_to(root)
        if rel.parts[0] != "out" or len(rel.parts) < 2:
            raise InputError(f"{shown}: inside the project a release goes under out/ "
                             f"(e.g. out/release), never into {rel.parts[0]}/")
    try:
        if target.exists() and not target.is_dir():
            raise InputError(f"{shown}: exists and is not a folder")
        if target.is_dir() and any(target.iterdir()) and not (target / MARKER).is_file():
            raise InputError(f"{shown}: exists, is not empty and is not a vrgraph release "
                             f"(no {MARKER}); remove it yourself or choose another folder")
    except OSError as err:
        raise OutputError(f"{shown}: cannot look into it: {err.strerror or err}") from None
    return target


def safe_join(root: Path, rel: str) -> Path:
    """``root/rel`` for a plain relative POSIX path; anything else is refused."""
    parts = PurePosixPath(rel).parts
    if (not rel or rel.startswith("/") or "\\" in rel or "\x00" in rel
            or any(p in ("", ".", "..") for p in parts)):
        raise OutputError(f"refusing to write {rel!r}: not a plain path inside the release")
    return root.joinpath(*parts)


def write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "xb") as handle:           # never follows or overwrites anything
        handle.write(data)


class Files(MutableMapping[str, bytes]):
    """The files of a release by their paths in it, each with its size and SHA-256 (what
    the catalogue and ``SHA256SUMS`` say of it): kept in memory, or, given a ``folder``,
    written there as they come and read back from there when asked for, so that memory
    holds none of them. A file set again replaces the one before. ``check`` (path, bytes)
    is run on each file as it is set; the paths it was true for, of the files as they are
    last set, are :meth:`flagged`. ``written`` is called after each file."""

    def __init__(self, folder: Path | None = None,
                 check: Callable[[str, bytes], bool] | None = None,
                 written: Callable[[], None] | None = None) -> None:
        self.folder, self._check, self._written = folder, check, written
        self._memory: dict[str, bytes] = {}
        self._sums: dict[str, tuple[int, str]] = {}
        self._flagged: set[str] = set()

    def __setitem__(self, rel: str, data: bytes) -> None:
        if self.folder is None:
            self._memory[rel] = data
        else:
            path = safe_join(self.folder, rel)
            try:
                if rel in self._sums:
                    os.unlink(path)             # our own file, written before
                write_file(path, data)
            except OSError as err:
                raise OutputError(f"{rel}: cannot write it into the release: "
                                  f"{err.strerror or err}; the previous release, if any, "
                                  f"is unchanged") from None
        self._sums[rel] = (len(data), hashlib.sha256(data).hexdigest())
        if self._check is not None and self._check(rel, data):
            self._flagged.add(rel)
        else:
            self._flagged.discard(rel)
        if self._written is not None:
            self._written()

    def __getitem__(self, rel: str) -> bytes:
        if rel not in self._sums:
            raise KeyError(rel)
        if self.folder is None:
            return self._memory[rel]
        return safe_join(self.folder, rel).read_bytes()

    def __delitem__(self, rel: str) -> None:
        raise TypeError("a file of a release is never taken back")

    def __iter__(self) -> Iterator[str]:
        return iter(self._sums)

    def __len__(self) -> int:
        return len(self._sums)

    def __contains__(self, rel: object) -> bool:
        return rel in self._sums

    def size(self, rel: str) -> int:
        return self._sums[rel][0]

    def sha256(self, rel: str) -> str:
        return self._sums[rel][1]

    def flagged(self) -> list[str]:
        """The paths ``check`` was true for, sorted."""
        return sorted(self._flagged)


@contextmanager
def streamed(target: Path, check: Callable[[str, bytes], bool] | None = None,
             written: Callable[[], None] | None = None) -> Iterator[Files]:
    """:class:`Files` written to a new folder beside ``target`` as they are made, swapped in
    whole when the block ends without an error (:mod:`vrgraph.atomic`); on an error, or a
    kill, ``target`` is left as it was."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic.new_folder(target) as tmp:
            yield Files(tmp, check, written)
            atomic.swap(tmp, target)
    except OSError as err:
        raise OutputError(f"{target}: cannot write the release: {err.strerror or err}; "
                          f"the previous release, if any, is unchanged") from None


def write_release(target: Path, files: Mapping[str, bytes]) -> list[Path]:
    """Write ``files`` into a new folder beside ``target``, then swap it in whole
    (:mod:`vrgraph.atomic`); what a killed run left beside ``target`` is removed first."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic.new_folder(target) as tmp:
            for rel, data in sorted(files.items()):
                write_file(safe_join(tmp, rel), data)
            atomic.swap(tmp, target)
    except OSError as err:
        raise OutputError(f"{target}: cannot write the release: {err.strerror or err}; "
                          f"the previous release, if any, is unchanged") from None
    return sorted(target / rel for rel in files)
