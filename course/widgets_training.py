"""Watch a network learn: scrub through the snapshots of a training run with play/slider controls.

Left: the training data and the network's output curve at the chosen snapshot.
Right: the cost curve, with the chosen snapshot marked.
All curves are computed when the viewer is built; moving the slider only redraws.
"""

import time

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display


def _output_curves(run, x, predict, points):
    inputs = np.linspace(float(np.min(x)), float(np.max(x)), points).reshape(1, points)
    return [np.asarray(predict(params, inputs)) for params in run.snapshots]


def training_viewer(run, x, y, predict, points=200, interval_ms=300):
    """A widget that replays ``run`` (a course.curve_training.TrainingRun).

    x, y:    training inputs (1, N) and targets (2, N)
    predict: function (params, inputs) -> outputs (2, M) for inputs of shape (1, M)
    points:  number of inputs at which the output curve is drawn
    Returns an ipywidgets VBox: a play button and a slider over the snapshots, then the figure.
    """
    curves = _output_curves(run, x, predict, points)
    last = len(curves) - 1
    play = widgets.Play(value=last, min=0, max=last, step=1, interval=interval_ms, description="play")
    slider = widgets.IntSlider(value=last, min=0, max=last, description="snapshot",
                               continuous_update=True)
    widgets.jslink((play, "value"), (slider, "value"))

    def draw(k):
        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
        left.plot(y[0], y[1], "o", color="tab:green", markersize=4, label="training data")
        left.plot(curves[k][0], curves[k][1], "-", color="tab:orange", linewidth=2,
                  label="network output")
        left.set(xlim=(0, 1), ylim=(0, 1), xlabel="output 1", ylabel="output 2",
                 title=f"Network output after {run.iterations[k]:,} iterations")
        left.legend(loc="lower right")
        if run.costs:
            right.semilogy(run.iterations, run.costs, color="tab:blue")
            right.semilogy([run.iterations[k]], [run.costs[k]], "o", color="tab:red")
        right.set(xlabel="iteration", ylabel="cost C", title="Cost during training")
        fig.tight_layout()
        display(fig)
        plt.close(fig)

    figure = widgets.interactive_output(draw, {"k": slider})
    view = widgets.VBox([widgets.HBox([play, slider]), figure])
    # Building the widgets sends a burst of messages to the frontend. Headless runners
    # (nbclient, so nbgrader autograde) sometimes miss the cell's reply when it arrives in the
    # middle of that burst and then wait for the cell timeout (jupyter/nbclient#312); a short
    # pause lets the burst drain first.
    time.sleep(0.3)
    return view
