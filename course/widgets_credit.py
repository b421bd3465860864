"""The one-neuron explorer of Lecture 1. It draws once when created, so it also runs headless."""

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

from course.activations import sigmoid
from course.plots import plot_fit


def one_neuron_explorer(x, y, w1=1.0, b1=1.0, w2=1.0, b2=1.0):
    """Sliders for w1, b1, w2, b2 of ŷ = w2·σ(w1·x + b1) + b2 over the data (x, y: shape (N,)).

    Each change redraws the curve and shows the sum-of-squares loss. Returns the widget
    (a VBox: two rows of sliders, the loss label, the plot output).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)

    def slider(name, value):
        return widgets.FloatSlider(value=value, min=-6.0, max=6.0, step=0.05, description=name,
                                   continuous_update=False)

    controls = {"w1": slider("w1", w1), "b1": slider("b1", b1),
                "w2": slider("w2", w2), "b2": slider("b2", b2)}

    loss_label = widgets.HTML()

    def draw(w1, b1, w2, b2):
        def predict(t):
            return w2 * sigmoid(w1 * t + b1) + b2
        loss = float(np.sum((predict(x) - y) ** 2))
        loss_label.value = f"<b>loss = {loss:.2f}</b>"
        fig, ax = plt.subplots(figsize=(6, 4))
        plot_fit(x, y, predict, ax=ax,
                 title=f"ŷ = {w2:.2f}·σ({w1:.2f}·x + {b1:.2f}) + {b2:.2f}    loss = {loss:.1f}")
        plt.show()

    output = widgets.interactive_output(draw, controls)
    box = widgets.VBox([widgets.HBox(list(controls.values())[:2]),
                        widgets.HBox(list(controls.values())[2:]), loss_label, output])
    display(box)
    return box


def learning_rate_explorer(losses_for, lr=1e-3, n_iter=300, lr_min=1e-5, lr_max=1e-2):
    """A slider for the learning rate (log scale) and the loss curve it gives.

    losses_for: function (lr, n_iter) -> a sequence of n_iter losses, for example your training
                function from a fixed start.
    Each change of the slider reruns it and redraws the curve on a log scale (losses above 1e100
    are left out); the label gives the last loss, or the step at which the loss stopped being a
    finite number. Returns the widget (a VBox: the slider, the label, the plot output).
    """
    slider = widgets.FloatLogSlider(value=lr, base=10, min=np.log10(lr_min), max=np.log10(lr_max), step=0.05,
                                    description="learning rate", readout_format=".1e", continuous_update=False,
                                    style={"description_width": "initial"}, layout=widgets.Layout(width="480px"))
    label = widgets.HTML()

    def draw(lr):
        with np.errstate(all="ignore"):
            losses = np.asarray(losses_for(lr, n_iter), dtype=float).reshape(-1)
        broken = np.flatnonzero(~np.isfinite(losses))
        if broken.size:
            kind = "infinite" if np.isinf(losses[broken[0]]) else "NaN"
            label.value = f"<b>diverged: the loss is {kind} from step {broken[0]} on</b>"
        else:
            label.value = f"<b>loss after {n_iter} steps = {losses[-1]:.6g}</b>"
        fig, ax = plt.subplots(figsize=(6, 3.5))
        steps = np.arange(losses.size)
        shown = losses < 1e100          # a log axis cannot reach inf, nor lay out values near overflow
        ax.plot(steps[shown], losses[shown])
        if broken.size:
            ax.axvline(broken[0], color="C3", ls="--", label="loss no longer finite")
            ax.legend()
        ax.set(yscale="log", title=f"Learning rate {lr:.2g}: loss over {n_iter} steps", xlabel="step",
               ylabel="loss")
        plt.show()

    output = widgets.interactive_output(draw, {"lr": slider})
    box = widgets.VBox([slider, label, output])
    display(box)
    return box
