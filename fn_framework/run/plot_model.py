"""``--plot-model PATH``: the diagram of an agent's network, as the seeds draw it with Keras ``plot_model``.

The network drawn is the one ``--play`` would play (the run folder's model or ``--model``, else the
trained agent shipped in ``models/``), loaded the same way; the script then exits without training
or playing. Keras agents are drawn by ``keras.utils.plot_model`` (shapes and activations); the
value-function agent is a scikit-learn ``MLPRegressor``, not a Keras model, so its layers are drawn
here from the fitted pipeline, with a title that says so.

Both need pydot (``requirements-notebooks.txt``) and Graphviz's ``dot`` program: when either is
missing the run stops with one ``error:`` line saying what to install, before TensorFlow loads
(as it does for a file name with another suffix or a folder it cannot write to).
"""
from __future__ import annotations

import os
import shutil
import sys
from typing import Any

from fn_framework.run.errors import UserError

FORMATS = (".png", ".svg", ".pdf")
DPI = 72  # small PNGs (a notebook stores them); .svg/.pdf are vector anyway
PYDOT = "pip install pydot (or: pip install -r requirements-notebooks.txt)"
GRAPHVIZ = "apt-get install graphviz (Debian, Ubuntu), brew install graphviz (macOS) or conda install graphviz"


def check_plot_tools(path: str) -> None:
    """Refuse in one line a path that cannot be written as a diagram, or a missing pydot / ``dot``."""
    if os.path.splitext(path)[1].lower() not in FORMATS or os.path.isdir(path):
        raise UserError(f"--plot-model writes {', '.join(FORMATS)} files, not {path!r}")
    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as error:
        raise UserError(f"cannot write the diagram to {path}: {error.strerror} ({error.filename})") from None
    if not os.access(folder, os.W_OK):
        raise UserError(f"cannot write the diagram to {path}: {folder} is not a writable folder")
    try:
        import pydot  # noqa: F401
    except ImportError:
        raise UserError(f"--plot-model needs pydot, which is not installed: {PYDOT}; "
                        f"and Graphviz's dot program: {GRAPHVIZ}") from None
    if shutil.which("dot") is None:
        raise UserError(f"--plot-model needs Graphviz's dot program, which is not on PATH: {GRAPHVIZ}")


def plot_model_run(spec: Any, args: Any, config: Any) -> int:
    """Load the model ``--play`` would play, write its diagram to ``args.plot_model``; returns the exit status."""
    from fn_framework.run.cli import make_env
    from fn_framework.run.registry import trainer_class as trainer_of

    path, shipped = spec.play_path(args.log_dir, args.test, args.model, args.shipped)
    if not os.path.exists(path):
        command = " ".join(["python", os.path.join("scripts", os.path.basename(sys.argv[0])),
                            *(["--test"] if args.test else [])])
        raise UserError(f"no saved model at {path} to draw; train one first with: {command}")
    from fn_framework.run.quiet import import_tensorflow

    import_tensorflow()  # after the checks
    trainer_class = trainer_of(config)
    env = trainer_class.observe(make_env(config.env, actions=type(config).ACTIONS), config)  # the model's shapes
    agent = trainer_class.load_agent(env, path)
    env.close()
    write_diagram(agent.model, os.path.abspath(args.plot_model))
    what = f"the shipped model {os.path.relpath(path)}" if shipped else f"the model {path}"
    print(f"Wrote the diagram of {what} to {args.plot_model}")
    return 0


def write_diagram(model: Any, path: str) -> None:
    """A Keras model through ``plot_model``; a scikit-learn pipeline through :func:`sklearn_graph`."""
    from fn_framework.run.folders import atomic_path

    with atomic_path(path) as tmp:  # the temporary name keeps the extension, which chooses the format
        if hasattr(model, "named_steps"):
            sklearn_graph(model).write(tmp, format=os.path.splitext(path)[1][1:].lower(), prog="dot")
        else:
            import keras

            keras.utils.plot_model(model, to_file=tmp, show_shapes=True, show_layer_names=True,
                                   show_layer_activations=True, expand_nested=True, dpi=DPI)


def sklearn_graph(pipeline: Any) -> Any:
    """The layers of a fitted ``Pipeline(scaler, MLPRegressor)`` as a top-down pydot graph."""
    import pydot

    mlp = pipeline.named_steps["estimator"]
    sizes = [int(mlp.n_features_in_), *[int(w.shape[1]) for w in mlp.coefs_]]
    names = ["state", *[f"hidden {i}" for i in range(1, len(sizes) - 1)], "value of each action"]
    activations = ["", *[mlp.activation] * (len(sizes) - 2), mlp.out_activation_]
    graph = pydot.Dot(graph_type="digraph", rankdir="TB", dpi=DPI, label=(
        f"{type(pipeline.named_steps['scaler']).__name__} + scikit-learn {type(mlp).__name__}: no Keras model"),
        labelloc="t", fontname="Helvetica")
    nodes = [f"{names[0]} ({sizes[0]})", type(pipeline.named_steps["scaler"]).__name__]
    nodes += [f"{name}: Dense {size}" + (f", {act}" if act else "")
              for name, size, act in zip(names[1:], sizes[1:], activations[1:])]
    for i, text in enumerate(nodes):
        graph.add_node(pydot.Node(f"n{i}", label=text, shape="box", fontname="Helvetica"))
        if i:
            graph.add_edge(pydot.Edge(f"n{i - 1}", f"n{i}"))
    return graph
