"""Issue 3, section 1: every public function checks its input and says what
to do; hyper-parameters are checked at the start of fit; finite but huge
input raises NonFiniteError instead of returning NaN or warning."""

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import numpycae.functional as functional
from numpycae import ContractiveAutoencoder
from numpycae.functional import (
    contraction_penalty,
    decode,
    encode,
    forward,
    init_parameters,
    jacobian,
    objective_and_gradients,
)
from numpycae.gradcheck import check_gradients
from numpycae.validation import NonFiniteError, NotFittedError, check_dtype


@pytest.fixture
def params():
    return init_parameters(5, 3, tied=False, rng=0)


@pytest.fixture
def X():
    return np.random.default_rng(1).uniform(size=(4, 5))


def call_each(params, X):
    """Call every public function of numpycae.functional on (params, X)."""
    return {
        "encode": lambda: encode(params, X),
        "forward": lambda: forward(params, X),
        "jacobian": lambda: jacobian(params, X),
        "contraction_penalty": lambda: contraction_penalty(params, X),
        "objective_and_gradients": lambda: objective_and_gradients(
            params, X, 0.1),
        "check_gradients": lambda: check_gradients(params, X, 0.1),
    }


# -- data arrays ---------------------------------------------------------

BAD_DATA = [
    # (how to spoil X, exception, message)
    (lambda X: (X * 255).astype(np.uint8), TypeError,
     r"got dtype uint8; 8-bit values are usually pixels in 0\.\.255: use "
     r"X\.astype\('float32'\) / 255"),
    (lambda X: X.astype(np.int64), TypeError,
     r"got dtype int64; convert with X\.astype\('float32'\)"),
    (lambda X: X > 0.5, TypeError, "got dtype bool"),
    (lambda X: X.astype(np.float16), TypeError,
     r"got dtype float16; convert with X\.astype\('float32'\)"),
    (lambda X: X.astype(complex), TypeError, "numpycae needs real numbers"),
    (lambda X: X.astype(object), TypeError, "got dtype object"),
    (lambda X: X.astype(str), TypeError, "must be a float32 or float64"),
    (lambda X: X[0], ValueError,
     r"must be 2-D of shape \(n_samples, n_features\), got a 1-D array "
     r"of shape \(5,\); for a single example use X\.reshape\(1, -1\)"),
    (lambda X: X.reshape(4, 5, 1), ValueError,
     r"flatten images with X\.reshape\(len\(X\), -1\)"),
    (lambda X: X[:0], ValueError,
     r"at least one sample and one column, got shape \(0, 5\)"),
    (lambda X: X[:, :3], ValueError,
     "X has 3 columns but the model expects n_features=5"),
    (lambda X: np.where(X > 0.5, np.nan, X), ValueError,
     r"X holds \d+ NaN or infinite value\(s\)"),
    (lambda X: np.where(X > 0.9, np.inf, X), ValueError,
     r"NaN or infinite"),
    (lambda X: X * 255, ValueError,
     r"X must lie in \[0, 1\] for loss='cross_entropy', got values from "
     r"\S+ to \S+; rescale the data \(for pixels, divide by 255\) or use "
     r"loss='squared_error'"),
    (lambda X: [[1.0, 2.0], [3.0]], ValueError, "could not convert"),
]


@pytest.mark.parametrize("spoil, error, message", BAD_DATA)
def test_every_function_refuses_bad_data_with_advice(params, X, spoil,
                                                     error, message):
    bad = spoil(X)
    for name, call in call_each(params, bad).items():
        # encode, forward, jacobian and the penalty accept values outside
        # [0, 1]: only a cross-entropy target must be a probability.
        if "0, 1" in message and name in ("encode", "forward", "jacobian",
                                          "contraction_penalty"):
            call()
            continue
        with pytest.raises(error, match=message):
            call()


@pytest.mark.parametrize("spoil, error, message", BAD_DATA)
def test_estimator_methods_refuse_bad_data(X, spoil, error, message):
    model = ContractiveAutoencoder(n_hidden=3, n_epochs=1, batch_size=2,
                                   random_state=0).fit(X)
    bad = spoil(X)
    encoder_only = [model.transform, model.jacobian, model.jacobian_norms,
                    model.reconstruct]
    with_targets = [model.evaluate]
    if "columns" not in message:
        with_targets.append(
            ContractiveAutoencoder(n_hidden=3, batch_size=1).fit)
    for method in encoder_only + with_targets:
        if "0, 1" in message and method in encoder_only:
            method(bad)
            continue
        with pytest.raises(error, match=message):
            method(bad)


def test_decode_checks_codes_against_the_hidden_size(params):
    with pytest.raises(ValueError, match="H has 5 columns but the model "
                                         "expects n_hidden=3"):
        decode(params, np.zeros((2, 5)))
    model = ContractiveAutoencoder(n_hidden=3, n_epochs=1, batch_size=2,
                                   random_state=0).fit(np.zeros((4, 5)))
    with pytest.raises(ValueError, match="expects n_hidden=3"):
        model.inverse_transform(np.zeros((2, 4)))
    with pytest.raises(TypeError, match="H must be a float32"):
        model.inverse_transform(np.zeros((2, 3), dtype=int))


def test_cross_entropy_checks_the_target_not_the_corrupted_input(params, X):
    # A denoising input may leave [0, 1]; the target may not.
    objective_and_gradients(params, X + 5.0, 0.1, X_target=X)
    with pytest.raises(ValueError, match=r"X_target must lie in \[0, 1\]"):
        objective_and_gradients(params, X, 0.1, X_target=X + 5.0)
    with pytest.raises(ValueError, match=r"X_target has 4 columns"):
        objective_and_gradients(params, X, 0.1, X_target=X[:, :4])
    with pytest.raises(ValueError, match=r"X_target must have the shape "
                                         r"of X \(4, 5\), got \(3, 5\)"):
        objective_and_gradients(params, X, 0.1, X_target=X[:3])
    objective_and_gradients(params, X * 9, 0.1, loss="squared_error")


def test_lists_of_floats_are_converted(params, X):
    np.testing.assert_array_equal(encode(params, X.tolist()),
                                  encode(params, X))


@pytest.mark.parametrize("data_dtype, params_dtype", [
    (np.float32, np.float64), (np.float64, np.float32)])
def test_data_is_converted_to_the_parameters_dtype(X, data_dtype,
                                                   params_dtype):
    # Documented policy: the parameters' dtype decides.
    params = init_parameters(5, 3, rng=0, dtype=params_dtype)
    data = X.astype(data_dtype)
    converted = data.astype(params_dtype)
    H = encode(params, data)
    assert H.dtype == params_dtype
    np.testing.assert_array_equal(H, encode(params, converted))
    objective, grads, _ = objective_and_gradients(params, data, 0.1)
    assert objective == objective_and_gradients(params, converted, 0.1)[0]
    assert all(grad.dtype == params_dtype for grad in grads.values())

    model = ContractiveAutoencoder(n_hidden=3, n_epochs=1, batch_size=2,
                                   random_state=0).fit(X.astype(params_dtype))
    assert model.transform(data).dtype == params_dtype
    np.testing.assert_array_equal(model.transform(data),
                                  model.transform(converted))


# -- parameter dicts -----------------------------------------------------

def spoil_params(params, how):
    params = dict(params)
    if how == "not a dict":
        return list(params.values())
    if how == "missing c":
        del params["c"]
    elif how == "unknown key":
        params["w"] = params["W"]
    elif how == "W 1-D":
        params["W"] = params["W"][:, 0]
    elif how == "b wrong shape":
        params["b"] = np.zeros(4)
    elif how == "W_prime wrong shape":
        params["W_prime"] = params["W_prime"].T
    elif how == "mixed dtypes":
        params["b"] = params["b"].astype(np.float32)
    elif how == "integer W":
        params["W"] = params["W"].astype(int)
    elif how == "NaN in W":
        params["W"] = params["W"].copy()
        params["W"][0, 0] = np.nan
    return params


@pytest.mark.parametrize("how, error, message", [
    ("not a dict", TypeError, "params must be a dict of arrays with keys "
                              "W, b, c"),
    ("missing c", ValueError, "params lacks c; it needs W, b, c"),
    ("unknown key", ValueError, "params has unknown key"),
    ("W 1-D", ValueError, r"params\['W'\] must be a non-empty 2-D array"),
    ("b wrong shape", ValueError, r"params\['W'\] has 3 columns but "
                                  r"params\['b'\] has shape \(4,\): W "
                                  r"must be \(n_features, n_hidden\) and "
                                  r"b \(n_hidden,\)"),
    ("W_prime wrong shape", ValueError, r"params\['W'\] has shape \(5, 3\) "
                                        r"but params\['W_prime'\] has "
                                        r"shape \(.*\(n_hidden, "
                                        r"n_features\)$"),
    ("mixed dtypes", TypeError, "params mixes dtypes"),
    ("integer W", TypeError, r"params\['W'\] must be a float32 or float64 "
                             r"array, got dtype int"),
    ("NaN in W", ValueError, r"params\['W'\] holds NaN or infinite"),
])
def test_every_function_refuses_bad_parameters(params, X, how, error,
                                               message):
    bad = spoil_params(params, how)
    calls = call_each(bad, X)
    calls["decode"] = lambda: decode(bad, np.full((2, 3), 0.5))
    for name, call in calls.items():
        with pytest.raises(error, match=message):
            call()


@pytest.mark.parametrize("options, error, message", [
    (dict(loss="mse"), ValueError, r"loss must be one of \('cross_entropy'"),
    (dict(decoder="relu"), ValueError, "decoder must be one of"),
    (dict(activation="relu"), ValueError, "activation must be one of"),
    (dict(loss="cross_entropy", decoder="linear"), ValueError,
     "needs decoder='sigmoid'"),
    (dict(penalties=[np.sum]), TypeError, "each penalty term must be "
                                          "callable and have a str"),
])
def test_objective_refuses_bad_options(params, X, options, error, message):
    with pytest.raises(error, match=message):
        objective_and_gradients(params, X, 0.1, **options)


@pytest.mark.parametrize("lam, error, message", [
    (-0.1, ValueError, r"lam must be >= 0.0, got -0.1"),
    (np.nan, ValueError, "lam must be finite"),
    ("0.1", TypeError, "lam must be a real number, got '0.1'"),
])
def test_objective_refuses_bad_lambda(params, X, lam, error, message):
    with pytest.raises(error, match=message):
        objective_and_gradients(params, X, lam)


@pytest.mark.parametrize("arguments, error, message", [
    (dict(n_features=0), ValueError, "n_features must be >= 1, got 0"),
    (dict(n_hidden=2.5), TypeError, "n_hidden must be an integer"),
    (dict(tied="no"), TypeError, "tied must be True or False, got 'no'"),
    (dict(dtype=np.float16), TypeError, "dtype must be numpy.float32 or "
                                        "numpy.float64"),
    (dict(dtype=int), TypeError, "dtype must be numpy.float32"),
    (dict(rng=-1), ValueError, "rng must be a seed >= 0, got -1"),
    (dict(rng=0.5), TypeError, "rng must be None, an integer seed"),
    (dict(activation="relu"), ValueError, "activation must be one of"),
])
def test_init_parameters_checks_its_arguments(arguments, error, message):
    settings = dict(n_features=4, n_hidden=3)
    settings.update(arguments)
    with pytest.raises(error, match=message):
        init_parameters(**settings)


def test_init_parameters_accepts_seeds_and_generators():
    first = init_parameters(4, 3, rng=7)
    second = init_parameters(4, 3, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(first["W"], second["W"])


def test_check_gradients_validates_before_converting(params, X):
    # The float64 copy must not turn uint8 pixels silently into floats.
    with pytest.raises(TypeError, match="divide|/ 255"):
        check_gradients(params, (X * 255).astype(np.uint8))
    with pytest.raises(ValueError, match="step must be > 0.0, got 0.0"):
        check_gradients(params, X, step=0.0)


# -- hyper-parameters ----------------------------------------------------

@pytest.mark.parametrize("option, value, error, message", [
    ("n_hidden", 0, ValueError, "n_hidden must be >= 1, got 0"),
    ("n_hidden", 2.0, TypeError, "n_hidden must be an integer >= 1, got "
                                 "2.0"),
    ("lam", -0.5, ValueError, r"lam must be >= 0.0, got -0.5"),
    ("lam", float("inf"), ValueError, "lam must be finite, got inf"),
    ("lam", None, TypeError, "lam must be a real number, got None"),
    ("tied", 1, TypeError, "tied must be True or False, got 1"),
    ("loss", "hinge", ValueError, "loss must be one of"),
    ("decoder", "softmax", ValueError, "decoder must be one of"),
    ("loss", "cross_entropy", ValueError, "needs decoder='sigmoid'"),
    ("activation", "relu", ValueError, "activation must be one of"),
    ("optimizer", "lbfgs", ValueError, "optimizer must be one of"),
    ("learning_rate", 0.0, ValueError, "learning_rate must be > 0.0, got "
                                       "0.0"),
    ("learning_rate", -1, ValueError, "learning_rate must be > 0.0"),
    ("learning_rate", float("nan"), ValueError, "learning_rate must be "
                                                "finite"),
    ("momentum", 1.0, ValueError, "momentum must be < 1.0, got 1.0"),
    ("momentum", -0.1, ValueError, "momentum must be >= 0.0, got -0.1"),
    ("n_epochs", 0, ValueError, "n_epochs must be >= 1, got 0"),
    ("batch_size", 0, ValueError, "batch_size must be >= 1, got 0"),
    ("batch_size", 31, ValueError,
     r"batch_size must be <= n_samples \(30\), got 31"),
    ("random_state", -3, ValueError, "random_state must be >= 0, got -3"),
    ("random_state", 1.5, TypeError, "random_state must be None or an "
                                     "integer >= 0"),
    ("random_state", np.random.default_rng(0), TypeError,
     "pass the seed rather than a Generator"),
    ("verbose", -1, ValueError, "verbose must be >= 0, got -1"),
    ("verbose", "yes", TypeError, "verbose must be an integer >= 0"),
])
def test_fit_names_the_bad_hyperparameter(option, value, error, message):
    data = np.random.default_rng(0).uniform(size=(30, 8))
    settings = dict(n_hidden=4, n_epochs=1, batch_size=7, random_state=0)
    if option == "loss":
        settings["decoder"] = "linear"
    settings[option] = value
    with pytest.raises(error, match=message):
        ContractiveAutoencoder(**settings).fit(data)


def test_numpy_scalars_and_bool_verbose_are_accepted(capsys):
    data = np.random.default_rng(0).uniform(size=(10, 3))
    model = ContractiveAutoencoder(
        n_hidden=np.int64(2), lam=np.float32(0.25), n_epochs=np.int32(1),
        batch_size=np.int64(5), random_state=np.int64(3), verbose=True)
    model.fit(data)
    assert "epoch 1/1" in capsys.readouterr().out
    assert model._check_hyperparameters()["random_state"] == 3


def test_unfitted_model_raises_a_value_error(X):
    with pytest.raises(NotFittedError, match="not fitted yet; call fit"):
        ContractiveAutoencoder().transform(X)
    assert issubclass(NotFittedError, ValueError)


# -- overflow of finite input --------------------------------------------

def test_overflow_of_finite_input_raises_instead_of_returning_nan():
    # A = 10 * 1e308 overflows; with a linear encoder H would be inf.
    params = {"W": np.array([[1e308]]), "b": np.zeros(1), "c": np.zeros(1)}
    X = np.array([[10.0]])
    with pytest.raises(NonFiniteError, match="encode overflowed: its "
                                             "result H holds NaN"):
        encode(params, X, "linear")
    with pytest.raises(NonFiniteError, match="forward overflowed"):
        forward(params, X, "linear", "linear")
    with pytest.raises(NonFiniteError, match="objective_and_gradients "
                                             "overflowed"):
        objective_and_gradients(params, X, 0.1, loss="squared_error",
                                decoder="linear", activation="linear")
    # The sigmoid saturates instead: a finite, correct answer.
    assert encode(params, X)[0, 0] == 1.0
    assert issubclass(NonFiniteError, ValueError)


def test_saturated_penalty_overflow_is_reported():
    # s'(a) = 0 times sum_i W_ij^2 = inf would be NaN.
    params = {"W": np.array([[1e200], [1e200]]), "b": np.zeros(1),
              "c": np.zeros(2)}
    with pytest.raises(NonFiniteError, match="contraction_penalty "
                                             "overflowed"):
        contraction_penalty(params, np.ones((1, 2)))


# -- cost of the checks --------------------------------------------------

def test_training_loop_does_not_validate_each_batch(monkeypatch):
    # Validated once in fit; the loop calls the objective unchecked.
    calls = []
    original = functional._check_model_input

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(functional, "_check_model_input", counting)
    data = np.random.default_rng(0).uniform(size=(40, 6))
    ContractiveAutoencoder(n_hidden=3, n_epochs=3, batch_size=4,
                           random_state=0).fit(data)
    assert calls == []


def test_unchecked_objective_equals_checked(params, X):
    checked = objective_and_gradients(params, X, 0.3)
    unchecked = objective_and_gradients(params, X, 0.3, check_input=False)
    assert checked[0] == unchecked[0]
    for name in params:
        np.testing.assert_array_equal(checked[1][name], unchecked[1][name])


# -- fuzzing the public API ----------------------------------------------

SPECIAL = [np.nan, np.inf, -np.inf, 1e308, -1e308, 1e30, 5e-324, 1e-300,
           -1e-45, 0.0, 1.0]
VALUES = st.one_of(st.floats(0.0, 1.0), st.sampled_from(SPECIAL),
                   st.floats(-1e6, 1e6))
DTYPES = ["float32", "float64", "float16", "int64", "uint8", "bool",
          "complex128", "object"]
CORRUPTIONS = ["none"] * 5 + ["huge W", "NaN b", "mixed dtypes",
                             "missing c", "wrong b"]


@st.composite
def data_arrays(draw, n_columns):
    """Arrays of any small shape, dtype and value; half are well-formed."""
    if draw(st.booleans()):
        shape = (draw(st.integers(1, 4)), n_columns)
        dtype = draw(st.sampled_from(["float32", "float64"]))
        return draw(hnp.arrays(dtype, shape, elements=st.floats(
            0.0, 1.0, width=32)))
    if draw(st.booleans()):
        shape = (draw(st.integers(0, 4)), n_columns)
    else:
        shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0,
                                      max_side=4))
    dtype = draw(st.sampled_from(DTYPES))
    if dtype in ("int64", "uint8", "bool"):
        return draw(hnp.arrays(dtype, shape))
    values = draw(hnp.arrays(np.float64, shape, elements=VALUES))
    with np.errstate(all="ignore"):
        return values.astype(dtype)


def well_formed(X, n_columns, in_unit_interval=True):
    """Whether X is valid and moderate input, so the call must succeed.

    Values in [0, 1], or (when the function does not need a cross-entropy
    target) of magnitude at most 1e6, which nothing here can overflow.
    """
    if not (X.dtype in (np.float32, np.float64) and X.ndim == 2
            and X.shape[0] > 0 and X.shape[1] == n_columns
            and np.isfinite(X).all()):
        return False
    if in_unit_interval:
        return X.min() >= 0 and X.max() <= 1
    return np.abs(X).max() <= 1e6


def corrupt(params, how):
    params = dict(params)
    if how == "huge W":
        # Finite, but one product with X can overflow (|W| <= 4 here).
        params["W"] = params["W"] * float(np.finfo(params["W"].dtype).max
                                          / 8)
    elif how == "NaN b":
        params["b"] = np.full_like(params["b"], np.nan)
    elif how == "mixed dtypes":
        other = np.float32 if params["W"].dtype == np.float64 else float
        params["c"] = params["c"].astype(other)
    elif how == "missing c":
        del params["c"]
    elif how == "wrong b":
        params["b"] = np.zeros(len(params["b"]) + 1, params["b"].dtype)
    return params


def check_result(value, shape, dtype):
    assert isinstance(value, np.ndarray), type(value)
    assert value.shape == shape and value.dtype == dtype
    assert np.isfinite(value).all()


@settings(max_examples=300)
@given(data=st.data(), n_features=st.integers(1, 4),
       n_hidden=st.integers(1, 3), tied=st.booleans(),
       params_dtype=st.sampled_from([np.float32, np.float64]),
       corruption=st.sampled_from(CORRUPTIONS),
       function=st.sampled_from(["encode", "decode", "forward", "jacobian",
                                 "contraction_penalty",
                                 "objective_and_gradients",
                                 "check_gradients"]),
       activation=st.sampled_from(["sigmoid", "tanh", "linear"]),
       pair=st.sampled_from([("cross_entropy", "sigmoid"),
                             ("squared_error", "sigmoid"),
                             ("squared_error", "linear"),
                             ("cross_entropy", "linear")]))
def test_public_functions_return_finite_results_or_raise_documented_errors(
        data, n_features, n_hidden, tied, params_dtype, corruption,
        function, activation, pair):
    # Warnings are errors in this suite, so a warning fails the test too.
    loss, decoder = pair
    clean_params = init_parameters(n_features, n_hidden, tied=tied, rng=0,
                                   dtype=params_dtype)
    params = corrupt(clean_params, corruption)
    width = n_hidden if function == "decode" else n_features
    X = data.draw(data_arrays(width))
    lam = data.draw(st.sampled_from([0.0, 0.1, 2.0]))
    n = X.shape[0] if X.ndim else 0

    calls = {
        "encode": lambda: encode(params, X, activation),
        "decode": lambda: decode(params, X, decoder),
        "forward": lambda: forward(params, X, activation, decoder),
        "jacobian": lambda: jacobian(params, X, activation),
        "contraction_penalty": lambda: contraction_penalty(params, X,
                                                           activation),
        "objective_and_gradients": lambda: objective_and_gradients(
            params, X, lam, loss=loss, decoder=decoder,
            activation=activation),
        "check_gradients": lambda: check_gradients(
            params, X, lam, loss=loss, decoder=decoder,
            activation=activation),
    }
    needs_unit = function in ("objective_and_gradients", "check_gradients")
    must_succeed = (
        corruption == "none" and well_formed(X, width, needs_unit)
        and not (needs_unit and pair == ("cross_entropy", "linear")))
    try:
        result = calls[function]()
    except (ValueError, TypeError) as error:
        assert not must_succeed, f"valid input refused: {error}"
        assert len(str(error)) > 20
        event(f"raised {type(error).__name__}")
        return
    event("returned")

    dtype = np.dtype(params_dtype)
    if function == "encode":
        check_result(result, (n, n_hidden), dtype)
    elif function == "decode":
        check_result(result, (n, n_features), dtype)
    elif function == "forward":
        for name in ("A", "H"):
            check_result(getattr(result, name), (n, n_hidden), dtype)
        for name in ("Z", "R"):
            check_result(getattr(result, name), (n, n_features), dtype)
    elif function == "jacobian":
        check_result(result, (n, n_hidden, n_features), dtype)
    elif function == "contraction_penalty":
        check_result(result, (n,), dtype)
    elif function == "objective_and_gradients":
        objective, grads, parts = result
        assert np.isfinite(objective)
        assert all(np.isfinite(value) for value in parts.values())
        for name, value in params.items():
            check_result(grads[name], value.shape, dtype)
    else:
        assert np.isfinite(result.max_relative_error)


@settings(max_examples=60)
@given(data=st.data(), n_features=st.integers(1, 4),
       loss=st.sampled_from(["cross_entropy", "squared_error"]))
def test_estimator_fits_and_transforms_or_raises_documented_errors(
        data, n_features, loss):
    decoder = "sigmoid" if loss == "cross_entropy" else "linear"
    X = data.draw(data_arrays(n_features))
    model = ContractiveAutoencoder(n_hidden=2, n_epochs=1, batch_size=1,
                                   loss=loss, decoder=decoder,
                                   learning_rate=0.01, random_state=0)
    try:
        model.fit(X)
    except (ValueError, TypeError) as error:
        assert not well_formed(X, n_features), f"refused: {error}"
        X = np.full((2, n_features), 0.5)
        model.fit(X)
    assert np.isfinite(model.W_).all()

    # fit accepts any width (it learns n_features_in_ from X), so a valid
    # X of another width than n_features fixes the width transform needs.
    Y = data.draw(data_arrays(n_features))
    try:
        H = model.transform(Y)
    except (ValueError, TypeError) as error:
        assert not well_formed(Y, model.n_features_in_, False), (
            f"refused: {error}")
        return
    check_result(H, (Y.shape[0], 2), X.dtype)


def test_data_too_large_for_a_float32_model_is_refused():
    # Found by the fuzz above: the cast to the parameters' dtype overflowed.
    params = init_parameters(2, 1, rng=0, dtype=np.float32)
    with pytest.raises(ValueError, match="X holds values too large for "
                                         "float32, the model's dtype"):
        encode(params, np.array([[1e300, 0.5]]))


@pytest.mark.parametrize("dtype", [None, "pixels", int, np.int64,
                                   "float16"])
def test_check_dtype_refuses_what_is_not_float32_or_float64(dtype):
    # np.dtype(None) is float64 and compares equal to it: None must not
    # slip through as "in FLOAT_DTYPES".
    with pytest.raises(TypeError, match=r"^dtype must be numpy.float32 or "
                                        r"numpy.float64, got "):
        check_dtype(dtype)


def test_a_W_with_wrong_rows_is_not_blamed_on_c():
    params = {"W": np.zeros((5, 3)), "b": np.zeros(3), "c": np.zeros(4)}

    with pytest.raises(ValueError,
                       match=r"^params\['W'\] has 5 rows but params\['c'\] "
                             r"has shape \(4,\): W must be \(n_features, "
                             r"n_hidden\) and c \(n_features,\)$"):
        functional.check_params(params)


def test_X_none_is_called_not_an_array():
    with pytest.raises(TypeError, match=r"^X must be an array of float32 "
                                        r"or float64, got None$"):
        ContractiveAutoencoder().fit(None)


@pytest.mark.parametrize("dtype, fix", [(">f8", "float64"),
                                        (">f4", "float32")])
def test_non_native_byte_order_is_refused_with_the_conversion(dtype, fix):
    X = np.full((4, 3), 0.5, dtype=dtype)

    with pytest.raises(TypeError,
                       match=rf"X must be a float32 or float64 array in the "
                             rf"machine's byte order, got dtype {dtype} "
                             rf".*convert with X\.astype\('{fix}'\)$"):
        functional.encode(
            functional.init_parameters(3, 2, rng=np.random.default_rng(0)),
            X)

    assert functional.encode(
        functional.init_parameters(3, 2, rng=np.random.default_rng(0)),
        X.astype(fix)).shape == (4, 2)


@pytest.mark.parametrize("penalties", [None, 3])
def test_penalties_that_are_not_a_sequence_get_a_clear_message(penalties):
    params = functional.init_parameters(3, 2, rng=np.random.default_rng(0))

    with pytest.raises(TypeError, match=r"^penalties must be a sequence of "
                                        r"penalty terms .*got "
                                        + repr(penalties)):
        functional.objective_and_gradients(params, np.full((4, 3), 0.5),
                                           penalties=penalties)


def test_penalties_given_as_a_generator_are_all_applied():
    from numpycae.penalties import WeightDecay
    params = functional.init_parameters(3, 2, rng=np.random.default_rng(0))
    X = np.full((4, 3), 0.5)

    listed, _ = functional.objective_and_gradients(
        params, X, penalties=[WeightDecay(0.5)])[:2]
    generated, _ = functional.objective_and_gradients(
        params, X, penalties=(term for term in [WeightDecay(0.5)]))[:2]

    assert generated == listed


def test_masked_arrays_are_refused_not_unmasked():
    # np.asarray would silently train on the values behind the mask.
    from numpycae.validation import check_array

    X = np.ma.masked_array(np.full((2, 3), 0.5), mask=[[0, 1, 0], [0, 0, 0]])
    with pytest.raises(TypeError, match="got a masked array"):
        check_array(X)
