r"""``python -m numpycae compare``: the CAE against its rival autoencoders.

Trains seven autoencoders of the same size on the same digits, as in
Rifai et al. (ICML 2011), Table 1: a plain autoencoder (AE), an AE with
weight decay, two denoising AEs (Gaussian and masking noise), a sparse AE,
the CAE and the CAE+H. It prints a table of held-out measurements
(reconstruction error, mean ``||J_h(x)||_F``, SAT, spectrum, training
time), states whether each of the paper's findings shows, and writes
figures (contraction curves, Jacobian spectra, tangent directions, filters,
robustness) and ``results.json`` to the output folder.

How the rivals' hyper-parameters are chosen: each rival has one knob (the
weight of its penalty or its noise level) and a grid of values. Every
candidate is trained on 80% of the training digits for
half the epochs and its reconstruction error measured on the other 20%;
the chosen value is the strongest whose validation reconstruction is
within ``--tolerance`` (5%) of the plain AE's, so that every rival buys its
regularisation with the same, small, loss of reconstruction. The grid is
walked from weakest to strongest and stops at the first value over that
budget. CAE+H keeps the lambda chosen for the CAE and tunes its own gamma.
With ``--no-tune`` (about half the time) the presets are used instead: the
values that rule chose with the default options on the embedded sample,
seed 0.
"""

import json
import os
import time
from dataclasses import dataclass, field

import numpy as np

from .cli_train import add_shared_options

DEFAULTS = {
    "hidden": 100,
    "epochs": 20,
    "batch_size": 64,
    "learning_rate": 0.01,
    "seed": 0,
    "out": "compare-output",
    "tolerance": 0.05,
    "max_test": 1000,
}

# Radii of the contraction curves; the paper uses 0 to 40 on MNIST.
RADII = (0.1, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 15.0,
         20.0, 25.0, 30.0, 35.0, 40.0)

TINY = {"max_train": 300, "max_test": 100, "hidden": 8, "epochs": 2,
        "n_points": 20}


@dataclass
class Rival:
    """One autoencoder of the comparison and how its knob is set.

    Attributes
    ----------
    label : str
        Row name in the table and legend entry in the figures.
    fixed : dict of str to object
        Hyper-parameters of :class:`~numpycae.ContractiveAutoencoder` that
        define this rival.
    knob : str or None
        The hyper-parameter tuned (None for the plain AE).
    grid : tuple of float
        Candidate values of ``knob``, weakest first.
    preset : float or None
        Value used with ``--no-tune``.
    """

    label: str
    fixed: dict = field(default_factory=dict)
    knob: str = None
    grid: tuple = ()
    preset: float = None


# Presets: what the tuning rule chose with the default options on the
# embedded sample, seed 0 (validation reconstruction of the plain AE 91.67,
# budget 96.26; the next grid value of each rival went over it).
RIVALS = (
    Rival("AE", {"lam": 0.0}),
    Rival("AE + weight decay", {"lam": 0.0}, "weight_decay",
          (3e-4, 1e-3, 3e-3, 1e-2), 3e-3),
    Rival("DAE (Gaussian)", {"lam": 0.0, "corruption": "gaussian"},
          "corruption_level", (0.1, 0.2, 0.3, 0.5), 0.3),
    Rival("DAE (masking)", {"lam": 0.0, "corruption": "masking"},
          "corruption_level", (0.1, 0.25, 0.4, 0.6), 0.4),
    Rival("sparse AE", {"lam": 0.0, "sparsity_target": 0.05},
          "sparsity_weight", (0.1, 0.3, 1.0, 3.0), 0.3),
    Rival("CAE", {}, "lam", (0.1, 0.3, 1.0, 3.0), 0.3),
    Rival("CAE+H", {"higher_order_sigma": 0.1, "n_corrupted": 4},
          "higher_order_weight", (0.1, 0.3, 1.0, 3.0), 0.3),
)


def add_parser(subparsers):
    """Register the ``compare`` sub-command and its options.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
    """
    parser = subparsers.add_parser(
        "compare", help="train the CAE and its rivals and compare them",
        description=__doc__.split("\n\n")[1])
    add_shared_options(parser, DEFAULTS)
    parser.add_argument("--max-test", type=int, default=DEFAULTS["max_test"],
                        metavar="N",
                        help="measure on at most N held-out digits "
                             "(default: %(default)s)")
    parser.add_argument("--tolerance", type=float,
                        default=DEFAULTS["tolerance"],
                        help="tuning budget: allowed relative rise of the "
                             "validation reconstruction over the plain "
                             "AE's (default: %(default)s)")
    parser.add_argument("--no-tune", action="store_true",
                        help="skip tuning and use the presets (the values "
                             "the tuning rule chose on the embedded sample "
                             "with the default options)")
    parser.add_argument("--tiny", action="store_true",
                        help="a seconds-long smoke run (300 digits, 8 "
                             "hidden units, 2 epochs); numbers meaningless")
    parser.add_argument("--quiet", action="store_true",
                        help="print only the tables and findings")


def check_options(args):
    """Apply ``--tiny`` and check the numeric options.

    Parameters
    ----------
    args : argparse.Namespace
        Modified in place.

    Raises
    ------
    ValueError
        Naming the first option out of range.
    """
    from .validation import check_positive_int, check_real

    # The options as given are checked first, so that --tiny never hides
    # a bad value; --tiny then replaces the sizes.
    for name in ("hidden", "epochs", "batch_size", "max_test"):
        check_positive_int(getattr(args, name), "--" + name.replace("_",
                                                                    "-"))
    if args.max_train is not None:
        check_positive_int(args.max_train, "--max-train", minimum=10)
    check_real(args.learning_rate, "--learning-rate", low=0.0,
               low_open=True)
    check_real(args.tolerance, "--tolerance", low=0.0)
    check_positive_int(args.seed, "--seed", minimum=0)

    args.n_points = 200
    if args.tiny:
        for name, value in TINY.items():
            setattr(args, name, value)


def say(args, message):
    """Print a progress line unless ``--quiet``.

    Parameters
    ----------
    args : argparse.Namespace
    message : str
    """
    if not args.quiet:
        print(message, flush=True)


def make_model(args, settings, n_epochs=None):
    """A model of the comparison's common size and training schedule.

    Parameters
    ----------
    args : argparse.Namespace
    settings : dict of str to object
        The rival's own hyper-parameters.
    n_epochs : int, optional
        Defaults to ``args.epochs``.

    Returns
    -------
    ContractiveAutoencoder
    """
    from .estimator import ContractiveAutoencoder

    common = dict(n_hidden=args.hidden, n_epochs=n_epochs or args.epochs,
                  batch_size=args.batch_size, optimizer="adam",
                  learning_rate=args.learning_rate, random_state=args.seed)
    return ContractiveAutoencoder(**{**common, **settings})


def rival_settings(rival, value, chosen):
    """The full hyper-parameters of a rival with its knob at ``value``.

    Parameters
    ----------
    rival : Rival
    value : float or None
    chosen : dict of str to float
        Knob values chosen so far, by label (CAE+H takes the CAE's lam).

    Returns
    -------
    dict of str to object
    """
    settings = dict(rival.fixed)
    if rival.label == "CAE+H":
        settings["lam"] = chosen["CAE"]
    if rival.knob is not None:
        settings[rival.knob] = value
    return settings


def describe(settings):
    """Short text of the hyper-parameters that set a rival apart.

    Parameters
    ----------
    settings : dict of str to object

    Returns
    -------
    str
    """
    names = {"lam": "lam", "weight_decay": "beta", "sparsity_weight": "beta",
             "sparsity_target": "rho", "corruption_level": "level",
             "higher_order_weight": "gamma", "higher_order_sigma": "sigma",
             "n_corrupted": "n_c"}
    return ", ".join(f"{names[key]}={value:g}"
                     for key, value in settings.items() if key in names)


def tune(args, X_train):
    """Choose each rival's knob by the reconstruction-budget rule.

    Parameters
    ----------
    args : argparse.Namespace
    X_train : ndarray of shape (n_train, n_features)

    Returns
    -------
    chosen : dict of str to float
        Knob value by rival label.
    log : list of dict
        Every candidate tried: ``model``, ``knob``, ``value``,
        ``reconstruction`` (validation) and ``within`` (the budget).
    baseline : float
        The plain AE's validation reconstruction.
    """
    rng = np.random.default_rng(args.seed)
    order = rng.permutation(X_train.shape[0])
    n_fit = int(round(0.8 * X_train.shape[0]))
    X_fit, X_valid = X_train[order[:n_fit]], X_train[order[n_fit:]]
    n_epochs = max(1, args.epochs // 2)

    def validation_loss(settings):
        model = make_model(args, settings, n_epochs).fit(X_fit)
        return model.evaluate(X_valid)["reconstruction"]

    baseline = validation_loss(RIVALS[0].fixed)
    budget = (1.0 + args.tolerance) * baseline
    say(args, f"tuning: plain AE validation reconstruction {baseline:.2f}, "
              f"budget {budget:.2f}")
    chosen, log = {}, []
    for rival in RIVALS[1:]:
        chosen[rival.label] = rival.grid[0]
        for value in rival.grid:
            loss = validation_loss(rival_settings(rival, value, chosen))
            within = loss <= budget
            log.append({"model": rival.label, "knob": rival.knob,
                        "value": value, "reconstruction": loss,
                        "within": bool(within)})
            say(args, f"tuning: {rival.label:<18} {rival.knob}={value:<7g}"
                      f" validation reconstruction {loss:8.2f}"
                      f"{'' if within else '  over budget'}")
            if not within:
                break
            chosen[rival.label] = value
    return chosen, log, baseline


def measure(model, X_test, args, seconds, neighbour_distance):
    """Every held-out measurement of one trained model.

    Parameters
    ----------
    model : ContractiveAutoencoder
    X_test : ndarray of shape (n_test, n_features)
    args : argparse.Namespace
    seconds : float
        Training time.
    neighbour_distance : float
        Mean distance from a test digit to its nearest training digit.

    Returns
    -------
    row : dict
        Scalars for the table.
    curves : dict
        ``contraction`` curve, ``spectrum`` (per-example singular values),
        ``tangents`` and ``robustness``.
    """
    from .analysis import (
        contraction_curve,
        effective_rank,
        jacobian_spectrum,
        mean_jacobian_norm,
        robustness,
        saturation,
        tangent_directions,
    )

    points = X_test[:args.n_points]
    spectrum = jacobian_spectrum(model, points)
    curve = contraction_curve(model, points, RADII, rng=args.seed)
    moves = robustness(model, X_test[:5 * args.n_points],
                       image_shape=args.image_shape, rng=args.seed)
    row = {
        "reconstruction": model.evaluate(X_test)["reconstruction"],
        "jacobian_norm": mean_jacobian_norm(model, X_test),
        "saturation": saturation(model, X_test),
        "effective_rank": float(np.mean(effective_rank(spectrum))),
        "top_singular_value": float(np.mean(spectrum[:, 0])),
        "seconds": seconds,
        "contraction_start": float(curve["mean"][0]),
        "contraction_peak_radius": float(
            curve["radii"][np.argmax(curve["mean"])]),
        "contraction_peak": float(np.max(curve["mean"])),
        "contraction_at_neighbour": float(np.interp(
            neighbour_distance, curve["radii"], curve["mean"])),
        **{f"robustness_{kind}": value for kind, value in moves.items()},
    }
    return row, {"contraction": curve, "spectrum": spectrum,
                 "tangents": tangent_directions(model, X_test[0], 6),
                 "robustness": moves}


def format_table(rows, settings):
    """The Table-1-style summary, one line per model.

    Parameters
    ----------
    rows : dict of str to dict
        Label -> the row of :func:`measure`.
    settings : dict of str to str
        Label -> description of its hyper-parameters.

    Returns
    -------
    str
    """
    lines = [f"{'model':<18} {'setting':<36} {'recon.':>7} "
             f"{'||J||_F':>8} {'SAT %':>6} {'k90':>5} {'train s':>8}"]
    for label, row in rows.items():
        lines.append(
            f"{label:<18} {settings[label]:<36} "
            f"{row['reconstruction']:>7.2f} {row['jacobian_norm']:>8.3f} "
            f"{100 * row['saturation']:>6.1f} {row['effective_rank']:>5.1f} "
            f"{row['seconds']:>8.1f}")
    return "\n".join(lines)


def format_contraction_table(rows, neighbour_distance):
    """Contraction-curve and robustness summary, one line per model.

    Parameters
    ----------
    rows : dict of str to dict
    neighbour_distance : float

    Returns
    -------
    str
    """
    lines = [f"{'model':<18} {'C(0.1)':>7} {'peak r':>7} {'C(peak)':>8} "
             f"{f'C({neighbour_distance:.1f})':>8} {'gauss.':>7} "
             f"{'mask':>7} {'shift':>7}"]
    for label, row in rows.items():
        lines.append(
            f"{label:<18} {row['contraction_start']:>7.3f} "
            f"{row['contraction_peak_radius']:>7.1f} "
            f"{row['contraction_peak']:>8.3f} "
            f"{row['contraction_at_neighbour']:>8.3f} "
            f"{row['robustness_gaussian']:>7.3f} "
            f"{row['robustness_masking']:>7.3f} "
            f"{row['robustness_shift']:>7.3f}")
    return "\n".join(lines)


def findings(rows):
    """Check the paper's findings against the measurements, with numbers.

    Parameters
    ----------
    rows : dict of str to dict
        Must hold "AE", "AE + weight decay" and "CAE".

    Returns
    -------
    list of tuple of (str, bool, str)
        The claim, whether it shows here, and the numbers behind it.
    """
    ae, wd, cae = rows["AE"], rows["AE + weight decay"], rows["CAE"]
    checks = []

    def add(claim, holds, numbers):
        checks.append((claim, bool(holds), numbers))

    add("CAE has a lower mean ||J_h(x)||_F than AE and AE + weight decay",
        cae["jacobian_norm"] < min(ae["jacobian_norm"],
                                   wd["jacobian_norm"]),
        f"CAE {cae['jacobian_norm']:.3f}, AE {ae['jacobian_norm']:.3f}, "
        f"AE+wd {wd['jacobian_norm']:.3f}")
    add("CAE saturates more hidden units (SAT) than AE and AE + weight "
        "decay",
        cae["saturation"] > max(ae["saturation"], wd["saturation"]),
        f"CAE {100 * cae['saturation']:.1f}%, AE "
        f"{100 * ae['saturation']:.1f}%, AE+wd "
        f"{100 * wd['saturation']:.1f}%")
    add("CAE's Jacobian spectrum falls faster (fewer singular values hold "
        "90% of ||J||_F^2)",
        cae["effective_rank"] < min(ae["effective_rank"],
                                    wd["effective_rank"]),
        f"mean k90: CAE {cae['effective_rank']:.1f}, AE "
        f"{ae['effective_rank']:.1f}, AE+wd {wd['effective_rank']:.1f}")
    add("CAE's contraction curve starts lower than AE's",
        cae["contraction_start"] < ae["contraction_start"],
        f"C(0.1): CAE {cae['contraction_start']:.3f}, AE "
        f"{ae['contraction_start']:.3f}")
    add("CAE's contraction curve rises to a bump (peak beyond the "
        "smallest radius)",
        cae["contraction_peak"] > cae["contraction_start"],
        f"CAE: C(0.1) {cae['contraction_start']:.3f}, peak "
        f"{cae['contraction_peak']:.3f} at r = "
        f"{cae['contraction_peak_radius']:g}")
    add("AE's contraction curve starts high and falls (largest at the "
        "smallest radius)",
        ae["contraction_peak"] <= ae["contraction_start"],
        f"AE: C(0.1) {ae['contraction_start']:.3f}, peak "
        f"{ae['contraction_peak']:.3f} at r = "
        f"{ae['contraction_peak_radius']:g}")
    return checks


def write_figures(args, curves, weights, neighbour_distance, example):
    """Write the comparison's figures as PNG files.

    Parameters
    ----------
    args : argparse.Namespace
    curves : dict of str to dict
        Label -> the second value of :func:`measure`.
    weights : dict of str to ndarray of shape (n_features, n_hidden)
    neighbour_distance : float
    example : ndarray of shape (n_features,)
        The held-out digit whose tangents are shown.

    Returns
    -------
    list of str
        Paths written.
    """
    from .analysis_plots import (
        plot_contraction_curves,
        plot_filters_by_model,
        plot_robustness,
        plot_spectra,
        plot_tangents,
    )

    figures = {
        "contraction_curves.png": plot_contraction_curves(
            {label: c["contraction"] for label, c in curves.items()},
            neighbour_distance=neighbour_distance),
        "spectra.png": plot_spectra(
            {label: c["spectrum"] for label, c in curves.items()},
            n_show=min(50, args.hidden)),
        "tangents.png": plot_tangents(
            {label: c["tangents"] for label, c in curves.items()},
            args.image_shape, example=example),
        "filters.png": plot_filters_by_model(weights, args.image_shape),
        "robustness.png": plot_robustness(
            {label: c["robustness"] for label, c in curves.items()}),
    }
    paths = []
    for name, fig in figures.items():
        path = os.path.join(args.out, name)
        fig.savefig(path, format="png", dpi=80)
        paths.append(path)
    return paths


def run(args):
    """Train, measure, print and write everything.

    Parameters
    ----------
    args : argparse.Namespace

    Returns
    -------
    int
        0 on success.
    """
    from .cli_train import load_data, prepare_output_folder
    from .analysis import nearest_neighbour_distances

    start = time.perf_counter()
    check_options(args)
    prepare_output_folder(args.out)
    X_train, X_test, image_shape, description = load_data(args)
    X_test = X_test[:args.max_test]
    args.image_shape = image_shape
    # Tuning fits on 80% of the training digits.
    n_fit = (len(X_train) if args.no_tune
             else int(round(0.8 * len(X_train))))
    if args.batch_size > n_fit:
        raise ValueError(
            f"--batch-size must be at most the number of digits a model is "
            f"fitted on ({n_fit}), got {args.batch_size}")
    print(f"numpycae compare: {len(RIVALS)} autoencoders with "
          f"{args.hidden} sigmoid hidden units, tied weights, cross-entropy;"
          f" Adam, learning rate {args.learning_rate:g}, {args.epochs} "
          f"epochs, batch {args.batch_size}, seed {args.seed}")
    print(f"data: {description}, {len(X_train)} training and "
          f"{len(X_test)} held-out digits")

    if args.no_tune:
        chosen = {rival.label: rival.preset for rival in RIVALS[1:]}
        log, baseline = [], None
        how = ("hyper-parameters: presets (--no-tune), chosen by the tuning "
               "rule with the default options on the embedded sample, seed "
               "0: for each rival the strongest value of its grid whose "
               "validation reconstruction stayed within 5% of the plain "
               "AE's; CAE+H keeps the CAE's lambda. Run without --no-tune "
               "to choose them on these data and options.")
    else:
        chosen, log, baseline = tune(args, X_train)
        how = (f"hyper-parameters: for each rival, the strongest value of "
               f"its grid whose validation reconstruction (80/20 split of "
               f"the training digits, {max(1, args.epochs // 2)} epoch(s)) "
               f"is within {100 * args.tolerance:g}% of the plain AE's "
               f"({baseline:.2f}); CAE+H keeps the CAE's lambda")

    neighbour_distance = float(np.mean(nearest_neighbour_distances(
        X_test[:args.n_points], X_train)))
    rows, curves, weights, settings = {}, {}, {}, {}
    for rival in RIVALS:
        rival_options = rival_settings(rival, chosen.get(rival.label),
                                       chosen)
        settings[rival.label] = describe(rival_options)
        say(args, f"training {rival.label} ({settings[rival.label]})")
        began = time.perf_counter()
        model = make_model(args, rival_options).fit(X_train)
        seconds = time.perf_counter() - began
        rows[rival.label], curves[rival.label] = measure(
            model, X_test, args, seconds, neighbour_distance)
        weights[rival.label] = model.W_

    print()
    print(how)
    print()
    print("Held-out measurements (recon.: cross-entropy per digit; "
          "||J||_F: mean Frobenius norm of the encoder's Jacobian; SAT: "
          "codes below 0.05 or above 0.95; k90: singular values holding "
          "90% of ||J||_F^2)")
    print(format_table(rows, settings))
    print()
    print(f"Contraction C(r) = mean ||h(x1) - h(x0)|| / ||x1 - x0|| with "
          f"||x1 - x0|| = r (mean distance to the nearest training digit: "
          f"{neighbour_distance:.2f}); robustness: the same ratio under "
          f"Gaussian noise (0.1), masking (0.25) and one-pixel shifts")
    print(format_contraction_table(rows, neighbour_distance))
    print()
    if args.tiny:
        print("The paper's findings on these data (a --tiny smoke run: "
              "too small for the verdicts below to mean anything):")
    else:
        print("The paper's findings on these data:")
    checks = findings(rows)
    for claim, holds, numbers in checks:
        print(f"  [{'reproduced' if holds else 'NOT reproduced'}] {claim}: "
              f"{numbers}")

    paths = write_figures(args, curves, weights, neighbour_distance,
                          X_test[0])
    results = {
        "options": {key: value for key, value in vars(args).items()
                    if isinstance(value, (int, float, str, bool, type(None),
                                          tuple))},
        "how_chosen": how, "tuning": log, "tuning_baseline": baseline,
        "settings": settings, "rows": rows,
        "neighbour_distance": neighbour_distance,
        "findings": [{"claim": claim, "reproduced": holds,
                      "numbers": numbers}
                     for claim, holds, numbers in checks],
        "radii": list(RADII),
        "contraction": {label: c["contraction"]["mean"].tolist()
                        for label, c in curves.items()},
    }
    results_path = os.path.join(args.out, "results.json")
    with open(results_path, "w") as stream:
        json.dump(results, stream, indent=2)
    print()
    print(f"wrote {', '.join(paths + [results_path])}")
    print(f"total time {time.perf_counter() - start:.1f} s")
    return 0
