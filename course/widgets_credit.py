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
