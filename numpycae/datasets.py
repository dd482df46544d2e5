r"""Data for numpycae: the embedded MNIST sample, a split, and IDX files.

Three tools:

* :func:`load_mnist_sample` returns the 5,000 MNIST digits shipped with the
  package (500 of each class), ready for a model;
* :func:`train_test_split` cuts a labelled set into a training and a test
  part, class by class;
* :func:`read_idx`, :func:`write_idx` and :func:`load_idx_folder` read and
  write the IDX format in which MNIST and Fashion-MNIST are distributed.

Every loader returns pixels as floats in [0, 1], the targets the binary
cross-entropy expects, and labels as int64.

The IDX format
--------------
An IDX file is a header followed by the raw array in row-major (C) order::

    byte 0, 1   two zero bytes
    byte 2      type code: 0x08 uint8, 0x09 int8, 0x0B int16,
                0x0C int32, 0x0D float32, 0x0E float64
    byte 3      number of dimensions d
    then        d sizes, each a big-endian unsigned 32-bit integer
    then        the prod(sizes) values, each big-endian

Read as one big-endian integer, the first four bytes are the "magic
number": 2051 (``0x00000803``) for an MNIST image file (uint8, 3
dimensions) and 2049 (``0x00000801``) for a label file (uint8, 1 dimension).
The MNIST files are usually distributed gzip-compressed with a ``.gz`` name.
"""

import gzip
import math
import numbers
import os
import zlib

import numpy as np

from .validation import check_dtype

__all__ = [
    "load_idx_folder",
    "load_mnist_sample",
    "read_idx",
    "train_test_split",
    "write_idx",
]

GZIP_MAGIC = b"\x1f\x8b"

# IDX type code -> big-endian numpy dtype of one value.
IDX_TYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

# numpy dtype name -> IDX type code, for writing.
IDX_CODES = {dtype.name: code for code, dtype in IDX_TYPES.items()}

# Names under which the four MNIST (and Fashion-MNIST) files are found.
IDX_PARTS = {
    "train_images": ("train-images", "idx3-ubyte"),
    "train_labels": ("train-labels", "idx1-ubyte"),
    "test_images": ("t10k-images", "idx3-ubyte"),
    "test_labels": ("t10k-labels", "idx1-ubyte"),
}

CHUNK_BYTES = 1 << 20

MNIST_SAMPLE_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                 "data", "mnist_5k.npz")


def pixels_to_unit_interval(images, dtype):
    r"""Flatten 8-bit images and scale their pixels to [0, 1].

    Parameters
    ----------
    images : ndarray of uint8 of shape (n_samples, n_rows, n_cols)
    dtype : numpy.dtype
        float32 or float64.

    Returns
    -------
    X : ndarray of shape (n_samples, n_rows * n_cols)
        Row-major: pixel (i, j) of an image is column ``i * n_cols + j``.

    Notes
    -----
    .. math::

        x = \frac{\text{pixel}}{255},

    so 0 (background) stays 0 and 255 (full ink) becomes 1.
    """
    n_images, n_rows, n_cols = images.shape
    X = images.reshape(n_images, n_rows * n_cols).astype(dtype)
    X /= 255
    return X


def load_mnist_sample(dtype=np.float32):
    r"""Load the 5,000 MNIST digits embedded in the package.

    The sample holds 500 images of each digit 0-9 from the MNIST training
    set. Its rows are **sorted by label** (all zeros first): shuffle, or
    use :func:`train_test_split`, before cutting it.

    Parameters
    ----------
    dtype : {numpy.float32, numpy.float64}, default=numpy.float32
        Dtype of the returned pixels.

    Returns
    -------
    X : ndarray of shape (5000, 784)
        Pixels scaled to [0, 1]; each row is a 28 x 28 image flattened in
        row-major order (``X[k].reshape(28, 28)`` shows it upright).
    y : ndarray of int64 of shape (5000,)
        Digit labels 0-9.

    Raises
    ------
    TypeError
        If ``dtype`` is not float32 or float64 (the project's rule for
        dtypes, :func:`numpycae.validation.check_dtype`).

    Notes
    -----
    Pixels are stored as uint8 and scaled by :math:`x = \text{pixel} / 255`.
    The file is ``numpycae/data/mnist_5k.npz``; its README gives its
    provenance, licence (CC BY-SA 3.0 for MNIST) and SHA-256.

    Examples
    --------
    >>> X, y = load_mnist_sample()
    >>> X.shape, X.dtype, y.shape
    ((5000, 784), dtype('float32'), (5000,))
    """
    dtype = check_dtype(dtype)

    with np.load(MNIST_SAMPLE_PATH, allow_pickle=False) as archive:
        images = archive["images"]
        labels = archive["labels"]

    return pixels_to_unit_interval(images, dtype), labels.astype(np.int64)


def train_test_split(X, y, test_size=0.2, random_state=0):
    r"""Split a labelled set into shuffled, stratified train and test parts.

    Each class is split on its own, in the proportion ``test_size``, so
    both parts keep the class balance of the whole.

    Parameters
    ----------
    X : array-like of shape (n_samples, ...)
        Examples, one per row (any number of further dimensions).
    y : array-like of shape (n_samples,)
        Class labels.
    test_size : float, default=0.2
        Fraction of each class sent to the test part, strictly between 0
        and 1.
    random_state : int or None, default=0
        Seed of ``numpy.random.default_rng``; the same seed gives the same
        split. None draws a fresh seed from the operating system.

    Returns
    -------
    X_train : ndarray of shape (n_train, ...)
    X_test : ndarray of shape (n_test, ...)
    y_train : ndarray of shape (n_train,)
    y_test : ndarray of shape (n_test,)
        Every row of ``X`` lands in exactly one part; rows of both parts are
        in random order.

    Raises
    ------
    TypeError
        If ``test_size`` is not a real number or ``random_state`` is
        neither an integer nor None.
    ValueError
        If ``y`` is not 1-D, the lengths of ``X`` and ``y`` differ,
        ``test_size`` is outside (0, 1), ``random_state`` is negative, or
        some class would leave no row in one of the two parts.

    Notes
    -----
    A class with :math:`n_c` rows sends

    .. math::

        n_c^{\text{test}} = \left\lfloor \text{test\_size} \cdot n_c
        + \tfrac{1}{2} \right\rfloor

    rows (the product rounded half up) to the test part and the rest to the
    training part.

    Examples
    --------
    >>> X, y = load_mnist_sample()
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, 0.2)
    >>> len(X_train), len(X_test)
    (4000, 1000)
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(
            f"y must be 1-D of shape (n_samples,), got shape {y.shape}"
        )
    if X.ndim == 0 or len(X) != len(y):
        raise ValueError(
            f"X and y must have the same number of rows, got X of shape "
            f"{X.shape} and y of shape {y.shape}"
        )
    if isinstance(test_size, bool) or not isinstance(test_size,
                                                     numbers.Real):
        raise TypeError(
            f"test_size must be a real number in (0, 1), got {test_size!r}"
        )
    if not 0.0 < test_size < 1.0:
        raise ValueError(
            f"test_size must lie strictly between 0 and 1, got {test_size!r}"
        )
    if random_state is not None and (
            isinstance(random_state, bool)
            or not isinstance(random_state, numbers.Integral)):
        raise TypeError(
            f"random_state must be an integer or None, got {random_state!r}"
        )
    if random_state is not None and random_state < 0:
        raise ValueError(
            f"random_state must be >= 0, got {random_state!r}"
        )

    rng = np.random.default_rng(random_state)
    test_parts, train_parts = [], []
    for label in np.unique(y):
        rows = rng.permutation(np.flatnonzero(y == label))
        n_test = math.floor(test_size * len(rows) + 0.5)
        if n_test < 1 or n_test > len(rows) - 1:
            raise ValueError(
                f"class {label.item()!r} has {len(rows)} row(s): with "
                f"test_size={test_size!r} it would send {n_test} to the "
                f"test part and {len(rows) - n_test} to the training part; "
                f"each part needs at least one row of every class"
            )
        test_parts.append(rows[:n_test])
        train_parts.append(rows[n_test:])

    # Shuffle across classes, so that neither part is sorted by label.
    train_rows = rng.permutation(np.concatenate(train_parts))
    test_rows = rng.permutation(np.concatenate(test_parts))
    return X[train_rows], X[test_rows], y[train_rows], y[test_rows]


def read_up_to(stream, n_bytes):
    """Read at most ``n_bytes`` from a binary stream, in bounded chunks.

    Memory grows only with the bytes actually present, so a header that
    declares an absurd size cannot make us allocate it.

    Parameters
    ----------
    stream : binary file object
    n_bytes : int

    Returns
    -------
    bytearray
        Shorter than ``n_bytes`` only if the stream ended first.
    """
    data = bytearray()
    while len(data) < n_bytes:
        chunk = stream.read(min(CHUNK_BYTES, n_bytes - len(data)))
        if not chunk:
            break
        data += chunk
    return data


def count_remaining(stream, limit=CHUNK_BYTES):
    """Count the bytes left in a stream, reading at most ``limit + 1``.

    Parameters
    ----------
    stream : binary file object
    limit : int, default=CHUNK_BYTES
        Reading stops once more than ``limit`` bytes were found, so a
        compressed file padded with gigabytes after its declared data is
        refused at once instead of being decompressed to its end.

    Returns
    -------
    int
        The bytes left, or ``limit + 1`` if there are more than ``limit``.
    """
    return len(read_up_to(stream, limit + 1))


def decode_magic(magic, path):
    """Check an IDX magic number and split it into dtype and dimensions.

    Parameters
    ----------
    magic : int
        The first four bytes of the file read as a big-endian unsigned
        integer.
    path : str
        File name, for messages.

    Returns
    -------
    dtype : numpy.dtype
        Big-endian dtype of one stored value.
    n_dims : int

    Raises
    ------
    ValueError
        If the two leading bytes are not zero, the type code is unknown or
        the number of dimensions is 0. The message shows the number found
        and, when the bytes look like gzip data or a little-endian header,
        says so.
    """
    type_code = (magic >> 8) & 0xFF
    n_dims = magic & 0xFF
    if magic >> 16 == 0 and type_code in IDX_TYPES and n_dims > 0:
        return IDX_TYPES[type_code], n_dims

    if magic >> 16 == 0x1F8B:
        hint = ("; these are the first bytes of gzip data, so the content "
                "was compressed twice: decompress it once more")
    elif magic & 0xFFFF == 0 and (magic >> 16) & 0xFF in IDX_TYPES:
        hint = ("; the header looks byte-swapped, as a little-endian "
                "writer would leave it, but IDX headers are big-endian")
    else:
        hint = ""
    codes = ", ".join(f"0x{code:02X} {dtype.name}"
                      for code, dtype in IDX_TYPES.items())
    raise ValueError(
        f"{path}: not an IDX file: magic number {magic} (0x{magic:08X}) "
        f"found, expected 0x0000TTDD, two zero bytes, a type code TT "
        f"({codes}) and a number of dimensions DD >= 1, such as 2051 "
        f"(0x00000803) for MNIST images or 2049 (0x00000801) for MNIST "
        f"labels{hint}"
    )


def read_idx_stream(stream, path, n_bytes_in_file=None):
    """Parse one IDX array from an open binary stream.

    Parameters
    ----------
    stream : binary file object
        Positioned at the start of the (decompressed) IDX data.
    path : str
        File name, for messages.
    n_bytes_in_file : int, optional
        Total size of the data when known in advance (an uncompressed
        file), so that a wrong size is caught before the data are read.

    Returns
    -------
    ndarray of the shape and dtype the header declares
        In the machine's native byte order.

    Raises
    ------
    ValueError
        If the header is short or invalid, or the data hold fewer or more
        bytes than the header declares.
    """
    where, verb = (("the file", "holds") if n_bytes_in_file is not None
                   else ("the decompressed data", "hold"))
    magic_bytes = read_up_to(stream, 4)
    if len(magic_bytes) < 4:
        raise ValueError(
            f"{path}: not an IDX file: {where} {verb} {len(magic_bytes)} "
            f"byte(s), fewer than the 4 of the magic number"
        )
    dtype, n_dims = decode_magic(int.from_bytes(magic_bytes, "big"), path)

    header_bytes = 4 + 4 * n_dims
    size_bytes = read_up_to(stream, 4 * n_dims)
    if len(size_bytes) < 4 * n_dims:
        raise ValueError(
            f"{path}: truncated IDX header: {n_dims} dimension(s) need a "
            f"{header_bytes}-byte header, found {4 + len(size_bytes)} bytes"
        )
    shape = tuple(int.from_bytes(size_bytes[4 * k:4 * k + 4], "big")
                  for k in range(n_dims))

    # Python integers: no overflow, however large the declared sizes.
    n_expected = math.prod(shape) * dtype.itemsize
    if n_bytes_in_file is not None:
        n_found = n_bytes_in_file - header_bytes
        if n_found != n_expected:
            raise size_error(path, shape, dtype, n_expected, n_found,
                             header_bytes)
    payload = read_up_to(stream, n_expected)
    if len(payload) < n_expected:
        raise size_error(path, shape, dtype, n_expected, len(payload),
                         header_bytes)
    n_extra = count_remaining(stream)
    if n_extra > CHUNK_BYTES:
        raise ValueError(
            f"{path}: the IDX header declares shape {shape_text(shape)} of "
            f"{dtype.name}, so expected {n_expected} data bytes after the "
            f"{header_bytes}-byte header, but more than {CHUNK_BYTES} extra "
            f"bytes follow them (reading stopped there)"
        )
    if n_extra:
        raise size_error(path, shape, dtype, n_expected,
                         n_expected + n_extra, header_bytes)

    array = np.frombuffer(payload, dtype=dtype).reshape(shape)
    return array.astype(dtype.newbyteorder("="), copy=False)


def shape_text(shape, limit=8):
    """A declared shape for messages, shortened if it has many dimensions.

    Parameters
    ----------
    shape : tuple of int
    limit : int, default=8
        Dimensions shown at most.

    Returns
    -------
    str
        ``"(2, 3)"``, or ``"(2, 2, ..., 2) (255 dimensions)"`` beyond
        ``limit`` dimensions, so that a hostile header cannot produce a
        message of thousands of characters.
    """
    if len(shape) <= limit:
        return str(tuple(shape))
    head = ", ".join(str(size) for size in shape[:limit - 1])
    return f"({head}, ..., {shape[-1]}) ({len(shape)} dimensions)"


def byte_count_text(n_bytes):
    """A byte count for messages, rounded to a power of ten if huge.

    Parameters
    ----------
    n_bytes : int
        May be astronomically large (a hostile header's product of sizes).

    Returns
    -------
    str
    """
    if n_bytes < 10 ** 40:
        return str(n_bytes)
    return f"about 10^{int(n_bytes.bit_length() * math.log10(2))}"


def size_error(path, shape, dtype, n_expected, n_found, header_bytes):
    """The error for data that do not match their header's size.

    Parameters
    ----------
    path : str
    shape : tuple of int
        Shape declared by the header.
    dtype : numpy.dtype
    n_expected, n_found : int
        Data bytes (after the header) declared and present.
    header_bytes : int

    Returns
    -------
    ValueError
    """
    if n_found < n_expected:
        verdict = (f"the file is truncated, "
                   f"{byte_count_text(n_expected - n_found)} byte(s) "
                   f"missing")
    else:
        verdict = (f"{n_found - n_expected} extra byte(s) after the "
                   f"declared data")
    return ValueError(
        f"{path}: the IDX header declares shape {shape_text(shape)} of "
        f"{dtype.name}, so expected {byte_count_text(n_expected)} data "
        f"bytes after the {header_bytes}-byte header, found {n_found} "
        f"({verdict})"
    )


def check_gzip_name(path, is_gzip):
    """Refuse a file whose name and content disagree about gzip.

    Parameters
    ----------
    path : str
    is_gzip : bool
        Whether the content starts with the gzip magic bytes 1f 8b.

    Raises
    ------
    ValueError
        If the name ends in ``.gz`` but the content is not gzip, or the
        content is gzip but the name does not end in ``.gz``.
    """
    named_gzip = path.lower().endswith(".gz")
    if named_gzip and not is_gzip:
        raise ValueError(
            f"{path}: the name ends in '.gz' but the content is not gzip "
            f"data (it does not start with the bytes 1f 8b); it was "
            f"probably decompressed already: remove '.gz' from its name"
        )
    if is_gzip and not named_gzip:
        raise ValueError(
            f"{path}: the content is gzip data (it starts with the bytes "
            f"1f 8b) but the name does not end in '.gz': add '.gz' to its "
            f"name, or decompress it"
        )


def read_idx(path):
    r"""Read one IDX file, plain or gzip-compressed.

    Parameters
    ----------
    path : str or os.PathLike
        An IDX file, or a gzip-compressed one whose name ends in ``.gz``.

    Returns
    -------
    ndarray of the shape and dtype the header declares
        For an MNIST image file, uint8 of shape (n_images, n_rows, n_cols);
        for a label file, uint8 of shape (n_images,). Values are in the
        machine's native byte order.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ValueError
        If the name and the content disagree about gzip (see Notes), the
        gzip data are damaged, the magic number is wrong (the message gives
        the number found), or the data hold fewer or more bytes than the
        header declares (the message gives both counts). Every message
        starts with the file name.

    Notes
    -----
    Compression is detected from the content (gzip data start with the
    bytes 1f 8b). A file whose name ends in ``.gz`` must hold gzip data and
    a gzip file must be named ``.gz``; a mismatch is refused rather than
    guessed around, because it usually means a download step went wrong
    (a browser that decompressed the file but kept its name, say).

    The declared size is

    .. math::

        n_{\text{bytes}} = 4 + 4 d + \text{itemsize} \prod_{k=1}^{d} s_k

    for d dimensions of sizes :math:`s_k`. For an uncompressed file it is
    compared with the file's size before any data are read; compressed
    data are read in chunks of at most 1 MiB and no further than declared
    plus what is needed to detect extra bytes.
    """
    path = os.fspath(path)
    with open(path, "rb") as raw:
        is_gzip = raw.read(2) == GZIP_MAGIC
        check_gzip_name(path, is_gzip)
        raw.seek(0)
        if not is_gzip:
            n_bytes = os.fstat(raw.fileno()).st_size
            return read_idx_stream(raw, path, n_bytes_in_file=n_bytes)
        try:
            with gzip.GzipFile(fileobj=raw, mode="rb") as stream:
                return read_idx_stream(stream, path)
        except (EOFError, zlib.error, gzip.BadGzipFile) as error:
            raise ValueError(
                f"{path}: the gzip data are damaged or cut short ({error})"
            ) from error


def write_idx(path, array):
    r"""Write an array as an IDX file, gzip-compressed if ``path`` ends in .gz.

    Parameters
    ----------
    path : str or os.PathLike
    array : ndarray with 1 or more dimensions
        Of dtype uint8, int8, int16, int32, float32 or float64 (the types
        IDX can hold); each size below :math:`2^{32}`.

    Raises
    ------
    TypeError
        If the dtype has no IDX type code (int64 and bool among them:
        convert first, e.g. ``labels.astype(np.uint8)``).
    ValueError
        If the array is 0-dimensional or a size does not fit in 32 bits.

    Notes
    -----
    The header and the values are written big-endian, whatever the
    machine's byte order. A compressed file records the uncompressed name
    and a zero time stamp, so the same array always gives the same bytes.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "labels-idx1-ubyte.gz")
    >>> write_idx(path, np.array([7, 3], dtype=np.uint8))
    >>> read_idx(path)
    array([7, 3], dtype=uint8)
    """
    path = os.fspath(path)
    array = np.asarray(array)
    if array.dtype.name not in IDX_CODES:
        raise TypeError(
            f"array must have dtype {', '.join(IDX_CODES)} to be written "
            f"as IDX, got dtype {array.dtype}"
        )
    if array.ndim == 0:
        raise ValueError(
            "array must have at least one dimension to be written as IDX, "
            "got a 0-dimensional array"
        )
    if max(array.shape) >= 2 ** 32:
        raise ValueError(
            f"each size of array must be below 2**32 to be written as IDX, "
            f"got shape {array.shape}"
        )

    header = bytes([0, 0, IDX_CODES[array.dtype.name], array.ndim])
    header += b"".join(size.to_bytes(4, "big") for size in array.shape)
    big_endian = array.dtype.newbyteorder(">")
    data = header + np.ascontiguousarray(array, dtype=big_endian).tobytes()

    if not path.lower().endswith(".gz"):
        with open(path, "wb") as file:
            file.write(data)
        return
    inner_name = os.path.basename(path)[:-len(".gz")]
    with open(path, "wb") as file:
        with gzip.GzipFile(filename=inner_name, mode="wb", fileobj=file,
                           mtime=0) as stream:
            stream.write(data)


def find_idx_file(folder, stem, suffix):
    """Find one MNIST-style file in a folder under its usual names.

    Parameters
    ----------
    folder : str
    stem : str
        For example "train-images".
    suffix : str
        For example "idx3-ubyte".

    Returns
    -------
    str
        Path of the first name found, looked for in this order:
        ``stem-suffix``, ``stem.suffix``, ``stem-suffix.gz``,
        ``stem.suffix.gz`` (so an uncompressed copy is preferred).

    Raises
    ------
    FileNotFoundError
        If none exists; the message lists the names looked for.
    """
    names = [f"{stem}{separator}{suffix}{ending}"
             for ending in ("", ".gz") for separator in ("-", ".")]
    for name in names:
        candidate = os.path.join(folder, name)
        if os.path.isfile(candidate):
            return candidate
    raise FileNotFoundError(
        f"no {stem} file in {folder}: looked for {', '.join(names)}"
    )


def load_idx_folder(folder, dtype=np.float32):
    r"""Load MNIST or Fashion-MNIST from the four IDX files in a folder.

    Parameters
    ----------
    folder : str or os.PathLike
        Folder holding ``train-images-idx3-ubyte``,
        ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte`` and
        ``t10k-labels-idx1-ubyte``, each possibly gzip-compressed with a
        ``.gz`` name, and each possibly with ``.`` instead of ``-`` before
        ``idx`` (``train-images.idx3-ubyte``). An uncompressed copy is
        preferred when both exist.
    dtype : {numpy.float32, numpy.float64}, default=numpy.float32
        Dtype of the returned pixels.

    Returns
    -------
    dict
        ``"X_train"`` : ndarray of shape (n_train, n_rows * n_cols)
            Pixels scaled to [0, 1], images flattened row-major.
        ``"y_train"`` : ndarray of int64 of shape (n_train,)
        ``"X_test"`` : ndarray of shape (n_test, n_rows * n_cols)
        ``"y_test"`` : ndarray of int64 of shape (n_test,)
        ``"image_shape"`` : tuple of int
            (n_rows, n_cols), (28, 28) for MNIST.

    Raises
    ------
    FileNotFoundError
        If the folder or one of the files is missing; the message lists the
        names looked for.
    TypeError
        If ``folder`` is not a path.
    TypeError
        If ``dtype`` is not float32 or float64 (the project's rule for
        dtypes, :func:`numpycae.validation.check_dtype`).
    ValueError
        If a file is not valid IDX (see :func:`read_idx`), the images are
        not 3-D uint8 or number 0, the labels are not 1-D integers, a
        label file and its image file disagree on the number of examples
        (the message names both files and both counts), or the training
        and test images differ in size.

    Notes
    -----
    Pixels are scaled by :math:`x = \text{pixel} / 255`.
    """
    dtype = check_dtype(dtype)
    try:
        folder = os.fspath(folder)
    except TypeError:
        raise TypeError(
            f"folder must be a str or os.PathLike naming the folder of the "
            f"IDX files, got {folder!r}"
        ) from None
    if not os.path.isdir(folder):
        raise FileNotFoundError(
            f"folder must be an existing directory holding the IDX files, "
            f"got {folder!r}"
        )

    paths = {part: find_idx_file(folder, stem, suffix)
             for part, (stem, suffix) in IDX_PARTS.items()}
    arrays = {part: read_idx(path) for part, path in paths.items()}

    for split in ("train", "test"):
        image_path = paths[f"{split}_images"]
        label_path = paths[f"{split}_labels"]
        images = arrays[f"{split}_images"]
        labels = arrays[f"{split}_labels"]
        if images.ndim != 3 or images.dtype != np.uint8:
            raise ValueError(
                f"{image_path}: images must be 3-D uint8 of shape "
                f"(n_images, n_rows, n_cols), got {images.dtype} of shape "
                f"{images.shape}"
            )
        if labels.ndim != 1 or labels.dtype.kind not in "iu":
            raise ValueError(
                f"{label_path}: labels must be 1-D integers of shape "
                f"(n_images,), got {labels.dtype} of shape {labels.shape}"
            )
        if len(images) == 0:
            raise ValueError(
                f"{image_path} holds no images (its header declares shape "
                f"{images.shape})"
            )
        if images.shape[1] == 0 or images.shape[2] == 0:
            raise ValueError(
                f"{image_path}: images must have at least one row and one "
                f"column of pixels, got {images.shape[1]} x "
                f"{images.shape[2]}"
            )
        if labels.size and labels.min() < 0:
            raise ValueError(
                f"{label_path}: labels must be >= 0, got {labels.min()}")
        if len(images) != len(labels):
            raise ValueError(
                f"{image_path} holds {len(images)} images but "
                f"{label_path} holds {len(labels)} labels; the two files "
                f"must describe the same examples"
            )

    train_shape = arrays["train_images"].shape[1:]
    test_shape = arrays["test_images"].shape[1:]
    if train_shape != test_shape:
        raise ValueError(
            f"training images are {train_shape[0]} x {train_shape[1]} "
            f"({paths['train_images']}) but test images are "
            f"{test_shape[0]} x {test_shape[1]} ({paths['test_images']})"
        )

    return {
        "X_train": pixels_to_unit_interval(arrays["train_images"], dtype),
        "y_train": arrays["train_labels"].astype(np.int64),
        "X_test": pixels_to_unit_interval(arrays["test_images"], dtype),
        "y_test": arrays["test_labels"].astype(np.int64),
        "image_shape": tuple(int(size) for size in train_shape),
    }
