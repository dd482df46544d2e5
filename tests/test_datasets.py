"""Tests of numpycae.datasets: IDX files, the embedded sample, the split.

The IDX cases are known fault F12 of shared/cases/known-faults.md: readers
that ignore gzip, read the header little-endian, or trust it blindly.
"""

import gzip
import hashlib
import os
import re
import tempfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from numpycae.datasets import (
    MNIST_SAMPLE_PATH,
    load_idx_folder,
    load_mnist_sample,
    read_idx,
    train_test_split,
    write_idx,
)

# F12: two uint8 images of 2 x 3 holding the bytes 0..11.
F12_IMAGE_BYTES = bytes.fromhex("00000803 00000002 00000002 00000003") \
    + bytes(range(12))
# F12: two uint8 labels, 7 and 3.
F12_LABEL_BYTES = bytes.fromhex("00000801 00000002 0703")

MNIST_SAMPLE_SHA256 = (
    "246e0c30eeea57c8d0037d3f38c8e00651ec204cc61b8022563e9aeeb9d756f4"
)


def write_bytes(path, data):
    """Write raw bytes and return the path as a str."""
    with open(path, "wb") as file:
        file.write(data)
    return str(path)


def gzip_bytes(data, name="train-images-idx3-ubyte"):
    """Compress as the gzip tool does, recording the original file name."""
    with tempfile.TemporaryFile() as file:
        with gzip.GzipFile(filename=name, mode="wb", fileobj=file,
                           mtime=0) as stream:
            stream.write(data)
        file.seek(0)
        return file.read()


# --- read_idx on the bytes of F12 -------------------------------------------

def test_read_idx_f12_images_plain(tmp_path):
    """F12: the header is big-endian and drives shape and dtype."""
    path = write_bytes(tmp_path / "images-idx3-ubyte", F12_IMAGE_BYTES)

    images = read_idx(path)

    assert images.shape == (2, 2, 3)
    assert images.dtype == np.uint8
    assert images[1, 0, 2] == 8
    np.testing.assert_array_equal(images, np.arange(12).reshape(2, 2, 3))


def test_read_idx_f12_gzip_copy_loads_the_same(tmp_path):
    """F12: the gzip-compressed copy gives the same array."""
    plain = write_bytes(tmp_path / "images-idx3-ubyte", F12_IMAGE_BYTES)
    packed = write_bytes(tmp_path / "images-idx3-ubyte.gz",
                         gzip.compress(F12_IMAGE_BYTES))

    np.testing.assert_array_equal(read_idx(packed), read_idx(plain))
    assert read_idx(packed).dtype == np.uint8


def test_read_idx_f12_labels(tmp_path):
    """F12: a 1-D label file."""
    path = write_bytes(tmp_path / "labels-idx1-ubyte", F12_LABEL_BYTES)

    labels = read_idx(path)

    assert labels.shape == (2,)
    assert labels.dtype == np.uint8
    assert labels.tolist() == [7, 3]


def test_read_idx_accepts_pathlib_paths(tmp_path):
    path = tmp_path / "labels-idx1-ubyte"
    write_bytes(path, F12_LABEL_BYTES)
    assert read_idx(path).tolist() == [7, 3]


@pytest.mark.parametrize("compressed", [False, True])
def test_read_idx_truncated_data_names_file_and_counts(tmp_path, compressed):
    """F12: dropping the last byte says how many bytes were expected."""
    data = F12_IMAGE_BYTES[:-1]
    name = "images-idx3-ubyte.gz" if compressed else "images-idx3-ubyte"
    path = write_bytes(tmp_path / name,
                       gzip_bytes(data) if compressed else data)

    with pytest.raises(ValueError, match=re.escape(path)) as info:
        read_idx(path)
    message = str(info.value)
    assert "expected 12 data bytes after the 16-byte header, found 11" \
        in message
    assert "truncated, 1 byte(s) missing" in message


@pytest.mark.parametrize("compressed", [False, True])
def test_read_idx_extra_bytes_are_refused(tmp_path, compressed):
    data = F12_IMAGE_BYTES + b"\x00\x00"
    name = "images-idx3-ubyte.gz" if compressed else "images-idx3-ubyte"
    path = write_bytes(tmp_path / name,
                       gzip_bytes(data) if compressed else data)

    with pytest.raises(ValueError,
                       match=r"expected 12 data bytes .* found 14 "
                             r"\(2 extra byte\(s\)"):
        read_idx(path)


def test_read_idx_cut_gzip_stream_is_refused(tmp_path):
    """Compressed bytes cut short (an interrupted download)."""
    packed = gzip_bytes(F12_IMAGE_BYTES)
    path = write_bytes(tmp_path / "images-idx3-ubyte.gz", packed[:-10])

    with pytest.raises(ValueError, match="gzip data are damaged or cut"):
        read_idx(path)


@pytest.mark.parametrize("head, shown", [
    ("00000703", "1795"),       # unknown type code 0x07
    ("01000803", "16779267"),   # a non-zero leading byte
    ("00000800", "2048"),       # zero dimensions
])
def test_read_idx_wrong_magic_names_number_found(tmp_path, head, shown):
    path = write_bytes(tmp_path / "x-idx3-ubyte",
                       bytes.fromhex(head) + F12_IMAGE_BYTES[4:])

    with pytest.raises(ValueError,
                       match=f"magic number {shown} .* found, expected "
                             f"0x0000TTDD"):
        read_idx(path)


def test_read_idx_gzip_bytes_read_as_idx_give_529205256(tmp_path):
    """F12: a file compressed twice shows gzip's magic after one pass."""
    twice = gzip_bytes(gzip_bytes(F12_IMAGE_BYTES))
    path = write_bytes(tmp_path / "images-idx3-ubyte.gz", twice)

    with pytest.raises(ValueError,
                       match=r"magic number 529205256 \(0x1F8B0808\) found"
                             r".*compressed twice"):
        read_idx(path)


def test_read_idx_little_endian_header_gives_50855936(tmp_path):
    """F12: a header written little-endian reads as 50855936."""
    header = b"".join(value.to_bytes(4, "little") for value in
                      (0x00000803, 2, 2, 3))
    path = write_bytes(tmp_path / "images-idx3-ubyte",
                       header + bytes(range(12)))

    with pytest.raises(ValueError,
                       match=r"magic number 50855936 .*byte-swapped"):
        read_idx(path)


def test_read_idx_gz_name_without_gzip_content_is_refused(tmp_path):
    path = write_bytes(tmp_path / "images-idx3-ubyte.gz", F12_IMAGE_BYTES)

    with pytest.raises(ValueError,
                       match=re.escape(path) + ".*name ends in '.gz' but "
                                               "the content is not gzip"):
        read_idx(path)


def test_read_idx_gzip_content_without_gz_name_is_refused(tmp_path):
    path = write_bytes(tmp_path / "images-idx3-ubyte",
                       gzip_bytes(F12_IMAGE_BYTES))

    with pytest.raises(ValueError,
                       match=re.escape(path) + ".*content is gzip data.*"
                                               "does not end in '.gz'"):
        read_idx(path)


@pytest.mark.parametrize("data, match", [
    (b"", "the file holds 0 byte"),
    (b"\x00\x00\x08", "the file holds 3 byte"),
    (bytes.fromhex("00000803 00000002"),
     "3 dimension.* 16-byte header, found 8 bytes"),
])
def test_read_idx_short_header_is_refused(tmp_path, data, match):
    path = write_bytes(tmp_path / "short-idx3-ubyte", data)
    with pytest.raises(ValueError, match=match):
        read_idx(path)


@pytest.mark.parametrize("compressed", [False, True])
def test_read_idx_absurd_header_fails_without_allocating(tmp_path,
                                                         compressed):
    """A header declaring 2**96 bytes is checked against the data present."""
    data = bytes.fromhex("00000803 ffffffff ffffffff ffffffff") + b"\x01"
    name = "big-idx3-ubyte.gz" if compressed else "big-idx3-ubyte"
    path = write_bytes(tmp_path / name,
                       gzip_bytes(data) if compressed else data)

    expected = (2 ** 32 - 1) ** 3
    with pytest.raises(ValueError,
                       match=f"expected {expected} data bytes .* found 1 "):
        read_idx(path)


def test_read_idx_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "nothing-here")


# --- write_idx ---------------------------------------------------------------

def test_write_idx_writes_the_f12_bytes(tmp_path):
    path = tmp_path / "images-idx3-ubyte"

    write_idx(path, np.arange(12, dtype=np.uint8).reshape(2, 2, 3))

    assert path.read_bytes() == F12_IMAGE_BYTES


def test_write_idx_is_big_endian_for_wide_types(tmp_path):
    path = tmp_path / "values-idx1-short"

    write_idx(path, np.array([1, 256], dtype=np.int16))

    assert path.read_bytes() == bytes.fromhex("00000b01 00000002 0001 0100")


def test_write_idx_gzip_is_deterministic_and_readable(tmp_path):
    array = np.arange(12, dtype=np.uint8).reshape(2, 2, 3)
    first, second = tmp_path / "a-idx3-ubyte.gz", tmp_path / "b-idx3-ubyte.gz"

    write_idx(first, array)
    write_idx(second, array)

    assert first.read_bytes()[:2] == b"\x1f\x8b"
    assert gzip.decompress(first.read_bytes()) == F12_IMAGE_BYTES
    assert first.read_bytes()[4:] == second.read_bytes()[4:].replace(
        b"b-idx3-ubyte", b"a-idx3-ubyte")


@pytest.mark.parametrize("array, error, match", [
    (np.arange(3, dtype=np.int64), TypeError, "got dtype int64"),
    (np.array([True, False]), TypeError, "got dtype bool"),
    (np.array(5, dtype=np.uint8), ValueError, "at least one dimension"),
])
def test_write_idx_refuses_what_idx_cannot_hold(tmp_path, array, error,
                                                match):
    with pytest.raises(error, match=match):
        write_idx(tmp_path / "x-idx", array)


IDX_DTYPES = [np.uint8, np.int8, np.int16, np.int32, np.float32,
              np.float64]


@st.composite
def idx_arrays(draw):
    """Arrays of every IDX dtype, 1 to 4 dimensions, sides 0 to 5."""
    dtype = np.dtype(draw(st.sampled_from(IDX_DTYPES)))
    if dtype.kind == "f":
        elements = st.floats(-1e6, 1e6, width=8 * dtype.itemsize)
    else:
        info = np.iinfo(dtype)
        elements = st.integers(int(info.min), int(info.max))
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=0,
                                  max_side=5))
    return draw(hnp.arrays(dtype, shape, elements=elements))


@settings(max_examples=50, deadline=None)
@given(array=idx_arrays(), compressed=st.booleans())
def test_write_then_read_idx_round_trips(array, compressed):
    name = "array-idx.gz" if compressed else "array-idx"
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, name)

        write_idx(path, array)
        loaded = read_idx(path)

    assert loaded.dtype == array.dtype
    assert loaded.dtype.isnative
    assert loaded.shape == array.shape
    np.testing.assert_array_equal(loaded, array)


# --- load_idx_folder ---------------------------------------------------------

def make_idx_folder(folder, separator="-", ending="", n_train=5, n_test=3,
                    image_shape=(2, 3)):
    """A tiny MNIST-like folder; returns the arrays written."""
    rng = np.random.default_rng(0)
    arrays = {
        "train-images": rng.integers(0, 256, (n_train, *image_shape),
                                     dtype=np.uint8),
        "train-labels": rng.integers(0, 10, n_train, dtype=np.uint8),
        "t10k-images": rng.integers(0, 256, (n_test, *image_shape),
                                    dtype=np.uint8),
        "t10k-labels": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    for stem, array in arrays.items():
        suffix = "idx3-ubyte" if array.ndim == 3 else "idx1-ubyte"
        write_idx(os.path.join(folder, f"{stem}{separator}{suffix}{ending}"),
                  array)
    return arrays


@pytest.mark.parametrize("separator", ["-", "."])
@pytest.mark.parametrize("ending", ["", ".gz"])
def test_load_idx_folder_flattens_and_scales(tmp_path, separator, ending):
    arrays = make_idx_folder(tmp_path, separator, ending)

    data = load_idx_folder(tmp_path)

    assert data["image_shape"] == (2, 3)
    assert data["X_train"].shape == (5, 6)
    assert data["X_test"].shape == (3, 6)
    assert data["X_train"].dtype == np.float32
    assert data["y_train"].dtype == np.int64
    np.testing.assert_allclose(
        data["X_train"], arrays["train-images"].reshape(5, 6) / 255.0,
        rtol=1e-6)
    np.testing.assert_array_equal(data["y_test"], arrays["t10k-labels"])


def test_load_idx_folder_float64(tmp_path):
    arrays = make_idx_folder(tmp_path)

    data = load_idx_folder(tmp_path, dtype=np.float64)

    assert data["X_test"].dtype == np.float64
    np.testing.assert_array_equal(
        data["X_test"], arrays["t10k-images"].reshape(3, 6) / 255.0)


def test_load_idx_folder_count_mismatch_names_both_files(tmp_path):
    make_idx_folder(tmp_path)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte",
              np.zeros(4, dtype=np.uint8))

    with pytest.raises(ValueError,
                       match=r"t10k-images-idx3-ubyte holds 3 images but "
                             r".*t10k-labels-idx1-ubyte holds 4 labels"):
        load_idx_folder(tmp_path)


def test_load_idx_folder_missing_file_lists_names(tmp_path):
    make_idx_folder(tmp_path)
    os.remove(tmp_path / "t10k-labels-idx1-ubyte")

    with pytest.raises(FileNotFoundError,
                       match="no t10k-labels file in .*: looked for "
                             "t10k-labels-idx1-ubyte, t10k-labels.idx1-ubyte, "
                             r"t10k-labels-idx1-ubyte\.gz, "
                             r"t10k-labels\.idx1-ubyte\.gz"):
        load_idx_folder(tmp_path)


def test_load_idx_folder_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="existing directory"):
        load_idx_folder(tmp_path / "absent")


def test_load_idx_folder_refuses_images_that_are_not_3d(tmp_path):
    make_idx_folder(tmp_path)
    write_idx(tmp_path / "train-images-idx3-ubyte",
              np.zeros((5, 6), dtype=np.uint8))

    with pytest.raises(ValueError,
                       match=r"images must be 3-D uint8 .* got uint8 of "
                             r"shape \(5, 6\)"):
        load_idx_folder(tmp_path)


def test_load_idx_folder_refuses_labels_that_are_not_1d(tmp_path):
    make_idx_folder(tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte",
              np.zeros((5, 1), dtype=np.uint8))

    with pytest.raises(ValueError, match="labels must be 1-D integers"):
        load_idx_folder(tmp_path)


def test_load_idx_folder_refuses_train_and_test_of_different_sizes(
        tmp_path):
    make_idx_folder(tmp_path)
    write_idx(tmp_path / "t10k-images-idx3-ubyte",
              np.zeros((3, 3, 2), dtype=np.uint8))

    with pytest.raises(ValueError,
                       match="training images are 2 x 3 .* test images are "
                             "3 x 2"):
        load_idx_folder(tmp_path)


def test_load_idx_folder_refuses_integer_dtype(tmp_path):
    make_idx_folder(tmp_path)
    with pytest.raises(TypeError, match="dtype must be numpy.float32 or "
                                        "numpy.float64, got <class "
                                        "'numpy.int64'>"):
        load_idx_folder(tmp_path, dtype=np.int64)


# --- the embedded MNIST sample -----------------------------------------------

def test_mnist_sample_file_has_the_documented_sha256():
    with open(MNIST_SAMPLE_PATH, "rb") as file:
        digest = hashlib.sha256(file.read()).hexdigest()
    assert digest == MNIST_SAMPLE_SHA256


def test_load_mnist_sample_shapes_dtypes_and_range():
    X, y = load_mnist_sample()

    assert X.shape == (5000, 784)
    assert X.dtype == np.float32
    assert y.shape == (5000,)
    assert y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    assert np.bincount(y).tolist() == [500] * 10
    assert np.all(np.diff(y) >= 0), "rows are documented as sorted by label"


def test_load_mnist_sample_pixels_are_the_stored_bytes_over_255():
    X, _ = load_mnist_sample(dtype=np.float64)
    with np.load(MNIST_SAMPLE_PATH) as archive:
        images = archive["images"]

    assert X.dtype == np.float64
    np.testing.assert_array_equal(X * 255, images.reshape(5000, 784))


@pytest.mark.parametrize("dtype, error, match", [
    (np.int64, TypeError, "float32 or numpy.float64, got <class "
                          "'numpy.int64'>"),
    (int, TypeError, "float32 or numpy.float64, got <class 'int'>"),
    ("float16", TypeError, "got 'float16'"),
    ("pixels", TypeError, "float32 or numpy.float64, got 'pixels'"),
])
def test_load_mnist_sample_refuses_other_dtypes(dtype, error, match):
    with pytest.raises(error, match=match):
        load_mnist_sample(dtype=dtype)


# --- train_test_split --------------------------------------------------------

def test_split_of_mnist_labels_is_stratified_disjoint_and_complete():
    _, y = load_mnist_sample()
    row_ids = np.arange(len(y))

    id_train, id_test, y_train, y_test = train_test_split(row_ids, y, 0.2)

    assert np.bincount(y_test).tolist() == [100] * 10
    assert np.bincount(y_train).tolist() == [400] * 10
    assert np.intersect1d(id_train, id_test).size == 0
    np.testing.assert_array_equal(
        np.sort(np.concatenate([id_train, id_test])), row_ids)
    np.testing.assert_array_equal(y_train, y[id_train])
    np.testing.assert_array_equal(y_test, y[id_test])
    assert np.any(np.diff(y_train) < 0), "the training part is shuffled"


def test_split_is_reproducible_by_seed():
    y = np.repeat(np.arange(3), 10)
    X = np.arange(60).reshape(30, 2)

    first = train_test_split(X, y, 0.3, random_state=7)
    again = train_test_split(X, y, 0.3, random_state=7)
    other = train_test_split(X, y, 0.3, random_state=8)

    for part, part_again in zip(first, again):
        np.testing.assert_array_equal(part, part_again)
    assert not np.array_equal(first[1], other[1])


@settings(max_examples=40, deadline=None)
@given(counts=st.lists(st.integers(2, 20), min_size=1, max_size=5),
       test_size=st.floats(0.05, 0.95), seed=st.integers(0, 2 ** 32 - 1))
def test_split_sends_the_rounded_share_of_each_class(counts, test_size,
                                                     seed):
    """Each class sends floor(test_size * n_c + 1/2) rows to the test part,
    or the split is refused when a part would lose the class."""
    y = np.repeat(np.arange(len(counts)), counts)
    row_ids = np.arange(len(y))
    expected = [int(np.floor(test_size * n + 0.5)) for n in counts]

    if any(n_test < 1 or n_test > n - 1
           for n_test, n in zip(expected, counts)):
        with pytest.raises(ValueError, match="needs at least one row"):
            train_test_split(row_ids, y, test_size, random_state=seed)
        return
    id_train, id_test, _, y_test = train_test_split(row_ids, y, test_size,
                                                    random_state=seed)

    assert np.bincount(y_test, minlength=len(counts)).tolist() == expected
    np.testing.assert_array_equal(
        np.sort(np.concatenate([id_train, id_test])), row_ids)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(y=np.zeros(3)), ValueError,
     r"same number of rows, got X of shape \(4, 2\) and y of shape \(3,\)"),
    (dict(y=np.zeros((4, 1))), ValueError, "y must be 1-D"),
    (dict(test_size=0.0), ValueError, "strictly between 0 and 1, got 0.0"),
    (dict(test_size=1), ValueError, "strictly between 0 and 1, got 1"),
    (dict(test_size="0.2"), TypeError, "test_size must be a real number"),
    (dict(test_size=True), TypeError, "test_size must be a real number"),
    (dict(random_state=1.5), TypeError, "random_state must be an integer"),
    (dict(random_state=-1), ValueError, "random_state must be >= 0"),
])
def test_split_validates_its_arguments(kwargs, error, match):
    arguments = dict(X=np.zeros((4, 2)), y=np.array([0, 0, 1, 1]),
                     test_size=0.5, random_state=0)
    arguments.update(kwargs)
    with pytest.raises(error, match=match):
        train_test_split(**arguments)


def test_split_refuses_a_class_too_small_for_both_parts():
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1, 2])
    with pytest.raises(ValueError,
                       match=r"class 2 has 1 row\(s\): with test_size=0.5 "
                             r"it would send 1 to the test part and 0 to "
                             r"the training part"):
        train_test_split(np.zeros((9, 1)), y, 0.5)


# --- issue 3, section 5: bounded reads and empty files -----------------------

def test_read_idx_stops_reading_a_padded_gzip_file_early(tmp_path,
                                                         monkeypatch):
    """Declared 12 bytes followed by 20 MB of zeros: the reader refuses
    after about one extra chunk instead of decompressing everything."""
    padded = gzip_bytes(F12_IMAGE_BYTES + bytes(20_000_000))
    path = write_bytes(tmp_path / "images-idx3-ubyte.gz", padded)
    n_read = []
    original = gzip.GzipFile.read

    def counting(self, size=-1):
        chunk = original(self, size)
        n_read.append(len(chunk))
        return chunk

    monkeypatch.setattr(gzip.GzipFile, "read", counting)
    with pytest.raises(ValueError,
                       match=re.escape(path) + r".*more than 1048576 extra "
                                               r"bytes follow"):
        read_idx(path)
    assert sum(n_read) <= len(F12_IMAGE_BYTES) + (1 << 20) + 1


def test_load_idx_folder_refuses_files_without_images(tmp_path):
    make_idx_folder(tmp_path)
    write_idx(tmp_path / "train-images-idx3-ubyte",
              np.zeros((0, 2, 3), dtype=np.uint8))
    write_idx(tmp_path / "train-labels-idx1-ubyte",
              np.zeros(0, dtype=np.uint8))

    with pytest.raises(ValueError,
                       match=r"train-images-idx3-ubyte holds no images"):
        load_idx_folder(tmp_path)


def test_load_idx_folder_names_the_folder_argument_when_it_is_none():
    with pytest.raises(TypeError, match=r"^folder must be a str or "
                                        r"os.PathLike .*got None$"):
        load_idx_folder(None)


def test_read_idx_message_for_a_header_with_255_dimensions_is_short(
        tmp_path):
    # The largest header IDX allows: 255 sizes of 2**32 - 1.
    header = bytes.fromhex("00000DFF") + bytes.fromhex("FFFFFFFF") * 255
    path = write_bytes(tmp_path / "many-dims", header + b"\x00" * 10)
    size = "4294967295"

    with pytest.raises(ValueError,
                       match=rf"shape \(({size}, ){{7}}\.\.\., {size}\) "
                             rf"\(255 dimensions\) of float32, so expected "
                             rf"about 10\^2457 data bytes") as caught:
        read_idx(path)

    assert len(str(caught.value)) < 400


def test_load_idx_folder_refuses_images_without_pixels(tmp_path):
    make_idx_folder(tmp_path)
    write_idx(tmp_path / "train-images-idx3-ubyte",
              np.zeros((5, 0, 4), dtype=np.uint8))
    with pytest.raises(ValueError, match=r"at least one row and one column "
                                         r"of pixels, got 0 x 4"):
        load_idx_folder(tmp_path)


def test_load_idx_folder_refuses_negative_labels(tmp_path):
    make_idx_folder(tmp_path)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte",
              np.array([1, -2, 3], dtype=np.int32))
    with pytest.raises(ValueError, match="labels must be >= 0, got -2"):
        load_idx_folder(tmp_path)
