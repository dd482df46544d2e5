r"""Model files and checkpoints: ``.npz`` archives that never unpickle.

A model file is an uncompressed ``.npz`` archive (a zip of ``.npy``
arrays) holding

==================  =====================================================
key                 content
==================  =====================================================
``format_version``  integer, :data:`FORMAT_VERSION` of the writer
``hyperparameters`` JSON text: every constructor argument of the model
``param.W`` ...     the learned arrays ``W``, ``b``, ``c`` (``W_prime``)
``history.epoch``   the training history, one array per quantity
==================  =====================================================

A checkpoint is a model file with two more entries, from which training
resumes exactly where it stopped:

==================  =====================================================
``training_state``  JSON text: the random generator's state, the number
                    of completed epochs and a fingerprint of the data
``optimizer.*``     the optimiser's state arrays (velocities, moments)
==================  =====================================================

Safety. Every array is read with ``allow_pickle=False``, after its header
has been checked against the bytes actually present, so a file from a
stranger can neither run code nor make numpycae allocate more memory than
the file holds. Anything that is not such an archive, or lacks a key, or
holds a value of the wrong shape or kind, or comes from a newer numpycae,
is refused with a :class:`ModelFileError` naming the file.

Writing is atomic: the archive goes to a temporary file in the target's
folder, which then replaces the target in one ``os.replace``; a crash or a
full disk mid-write leaves any previous file intact.
"""

import json
import math
import os
import tempfile
import zipfile
import zlib

import numpy as np

FORMAT_VERSION = 1

# Generous bounds against absurd archives (a model has a dozen entries).
MAX_ENTRIES = 256
MAX_JSON_CHARS = 1_000_000


class ModelFileError(ValueError):
    """A file is not a numpycae model or checkpoint this version can read."""


def write_npz_atomically(path, arrays):
    """Write arrays to ``path`` as ``.npz`` through a temporary file.

    Parameters
    ----------
    path : str or os.PathLike
        Target file; ``.npz`` is not appended.
    arrays : dict of str to ndarray

    Raises
    ------
    TypeError
        If ``path`` is not a path.
    IsADirectoryError, FileNotFoundError
        If ``path`` is a folder, or its folder does not exist (checked
        before anything is written).
    OSError
        If the folder cannot be written; nothing at ``path`` changes and no
        temporary file is left behind.

    Notes
    -----
    The temporary file is flushed and synced to disk before the rename, so
    after a power cut ``path`` holds either the old or the new archive.
    A process killed outright (``SIGKILL``, a power cut) mid-write cannot
    remove its temporary file: a ``.numpycae-*.tmp`` file may then be left
    in the folder. It is never read; delete it once no save is running.
    """
    path = as_path(path)
    folder = os.path.dirname(os.path.abspath(path))
    check_write_target(path)
    handle, temporary = tempfile.mkstemp(
        dir=folder, prefix=".numpycae-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            np.savez(stream, **arrays)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, _file_mode(path))
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def check_write_target(path):
    """Refuse, before writing anything, a target that cannot be a file.

    Parameters
    ----------
    path : str

    Raises
    ------
    IsADirectoryError
        If ``path`` is an existing folder.
    FileNotFoundError
        If the folder that should hold ``path`` does not exist.
    """
    if os.path.isdir(path):
        raise IsADirectoryError(
            f"cannot write a model file to {path}: it is a directory; "
            f"give a file name, e.g. {os.path.join(path, 'model.npz')}"
        )
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(
            f"cannot write a model file to {path}: the folder {folder} "
            f"does not exist; create it first"
        )


def _file_mode(path):
    """Permissions for a new file at ``path``: the old file's, or umask's.

    Parameters
    ----------
    path : str

    Returns
    -------
    int
        ``mkstemp`` creates files readable by their owner only; a saved
        model should get the permissions any other new file would.
    """
    try:
        return os.stat(path).st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def as_path(path):
    """Check that ``path`` is a path and return it as a string.

    Parameters
    ----------
    path : str, bytes or os.PathLike
        A bytes path is decoded with ``os.fsdecode``.

    Returns
    -------
    str

    Raises
    ------
    TypeError
    """
    try:
        return os.fsdecode(path)
    except TypeError:
        raise TypeError(
            f"path must be a str, bytes or os.PathLike, got {path!r}"
        ) from None


def read_npz(path):
    """Read every array of an ``.npz`` archive, refusing anything unsafe.

    Parameters
    ----------
    path : str, bytes or os.PathLike

    Returns
    -------
    dict of str to ndarray
        Keyed by the member names without ``.npy``.

    Raises
    ------
    FileNotFoundError, IsADirectoryError, PermissionError
        As ``open`` raises them (they name the file).
    ModelFileError
        If the file is not a zip of ``.npy`` arrays, is truncated or
        corrupted (a CRC mismatch), or holds object arrays or arrays whose
        header claims more bytes than the member holds.
    """
    path = as_path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            return _read_members(path, archive)
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        raise
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError,
            OSError, zlib.error, MemoryError, NotImplementedError,
            RuntimeError) as error:
        raise ModelFileError(
            f"{path} is not a readable numpycae model file (it is not an "
            f".npz archive, or it is truncated or corrupted): {error}"
        ) from None


def _read_members(path, archive):
    """Read the ``.npy`` members of an open zip archive, checking each.

    Parameters
    ----------
    path : str
        For messages.
    archive : zipfile.ZipFile

    Returns
    -------
    dict of str to ndarray

    Raises
    ------
    ModelFileError
    """
    members = archive.infolist()
    if len(members) > MAX_ENTRIES:
        raise ModelFileError(
            f"{path} holds {len(members)} entries; a numpycae model holds "
            f"a few dozen at most"
        )
    arrays = {}
    for member in members:
        if not member.filename.endswith(".npy"):
            raise ModelFileError(
                f"{path} is not a numpycae model file: it holds "
                f"{member.filename!r}, which is not a .npy array"
            )
        key = member.filename[:-len(".npy")]
        if key in arrays:
            raise ModelFileError(f"{path} holds {key!r} twice")
        with archive.open(member) as stream:
            _check_npy_header(path, key, stream, member.file_size)
        with archive.open(member) as stream:
            arrays[key] = np.lib.format.read_array(stream,
                                                   allow_pickle=False)
            # Reading to the end makes zipfile compare the CRC-32.
            stream.read()
    return arrays


def _check_npy_header(path, key, stream, n_bytes):
    """Refuse an ``.npy`` header that asks for objects or missing bytes.

    Parameters
    ----------
    path, key : str
        For messages.
    stream : file-like
        Positioned at the start of the member.
    n_bytes : int
        The member's size.

    Raises
    ------
    ModelFileError
    """
    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(stream)
    elif version == (2, 0):
        shape, _, dtype = np.lib.format.read_array_header_2_0(stream)
    else:
        raise ModelFileError(
            f"{path}: entry {key!r} has .npy format {version}, which "
            f"numpycae does not read"
        )
    if dtype.hasobject:
        raise ModelFileError(
            f"{path}: entry {key!r} holds Python objects; numpycae never "
            f"unpickles (a model file could run code)"
        )
    needed = math.prod(shape) * dtype.itemsize
    if needed > n_bytes:
        raise ModelFileError(
            f"{path}: entry {key!r} declares {needed} bytes of data but "
            f"holds {n_bytes}; the file is truncated or corrupted"
        )


def json_entry(value):
    """Encode a JSON-serialisable value as a 0-d text array.

    Parameters
    ----------
    value : dict, list, str, int, float, bool or None

    Returns
    -------
    ndarray of shape ()
    """
    return np.array(json.dumps(value, sort_keys=True))


def read_json_entry(path, arrays, key):
    """Decode an entry written by :func:`json_entry`.

    Parameters
    ----------
    path : str
        For messages.
    arrays : dict of str to ndarray
    key : str

    Returns
    -------
    object

    Raises
    ------
    ModelFileError
        If the entry is missing, not text, or not valid JSON.
    """
    value = arrays.get(key)
    if value is None or value.shape != () or value.dtype.kind != "U":
        raise ModelFileError(
            f"{path} is not a numpycae model file: entry {key!r} is "
            f"missing or is not JSON text"
        )
    text = str(value)
    if len(text) > MAX_JSON_CHARS:
        raise ModelFileError(f"{path}: entry {key!r} is implausibly long")
    try:
        return json.loads(text)
    except ValueError as error:
        raise ModelFileError(
            f"{path}: entry {key!r} is not valid JSON: {error}"
        ) from None


def check_format_version(path, arrays):
    """Refuse archives without our version number, or from a newer writer.

    Parameters
    ----------
    path : str
    arrays : dict of str to ndarray

    Returns
    -------
    int

    Raises
    ------
    ModelFileError
    """
    value = arrays.get("format_version")
    if (value is not None and value.shape == ()
            and value.dtype.kind not in "iu"):
        raise ModelFileError(
            f"{path}: format_version must be an integer, got "
            f"{value.item()!r:.40} of dtype {value.dtype}"
        )
    if (value is None or value.shape != ()
            or value.dtype.kind not in "iu"):
        raise ModelFileError(
            f"{path} is not a numpycae model file (it has no integer "
            f"format_version entry; its entries are "
            f"{sorted(arrays)[:8]})"
        )
    version = int(value)
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"{path} has model format {version}, written by a newer "
            f"numpycae; this version reads format {FORMAT_VERSION} and "
            f"older: upgrade numpycae"
        )
    if version < 1:
        raise ModelFileError(
            f"{path} has model format {version}; numpycae formats start "
            f"at 1"
        )
    return version
