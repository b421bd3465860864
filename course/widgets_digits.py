"""Browse test digits next to the network's class probabilities (ipywidgets).

Works headless: ``interactive_output`` draws the first digit once when the viewer is built.
"""

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display


def draw_digit(image, probabilities, label=None):
    """One figure: the 28x28 image on the left, a bar chart of the 10 probabilities on the right."""
    probabilities = np.asarray(probabilities, dtype=float).reshape(-1)
    predicted = int(np.argmax(probabilities))
    fig, (left, right) = plt.subplots(1, 2, figsize=(7, 2.8), gridspec_kw={"width_ratios": [1, 1.6]})
    left.imshow(np.asarray(image).reshape(28, 28), cmap="gray_r")
    left.axis("off")
    left.set_title("image" if label is None else f"true label {label}")
    colours = ["tab:green" if k == label else "tab:blue" for k in range(len(probabilities))]
    if label is not None and predicted != label:
        colours[predicted] = "tab:red"
    right.bar(np.arange(len(probabilities)), probabilities, color=colours)
    right.set(xticks=np.arange(len(probabilities)), ylim=(0, 1), xlabel="digit",
              ylabel="probability", title=f"network says {predicted}")
    fig.tight_layout()
    return fig


def digit_viewer(X, y, predict_proba):
    """A slider over the rows of ``X`` (n, 784) with labels ``y`` (n,); ``predict_proba`` maps a
    batch (k, 784) to probabilities (k, 10). Returns the widget box (already displayed)."""
    X, y = np.asarray(X), np.asarray(y)
    index = widgets.IntSlider(value=0, min=0, max=len(X) - 1, description="test digit",
                              continuous_update=False)
    only_wrong = widgets.Checkbox(value=False, description="only misclassified")
    wrong = np.flatnonzero(np.argmax(predict_proba(X), axis=1) != y)

    def show(i, misclassified):
        rows = wrong if misclassified and len(wrong) else np.arange(len(X))
        row = int(rows[min(i, len(rows) - 1)])
        draw_digit(X[row], predict_proba(X[row:row + 1])[0], int(y[row]))
        plt.show()

    output = widgets.interactive_output(show, {"i": index, "misclassified": only_wrong})
    box = widgets.VBox([widgets.HBox([index, only_wrong]), output])
    display(box)
    return box
