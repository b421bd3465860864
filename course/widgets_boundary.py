"""An explorer for the student's own network: width, learning rate and steps as controls.

The explorer knows nothing about how the network is built. It is handed two functions:

    train(X, y, n_hidden, lr, steps) -> (model, losses)   X: (N, 2) raw points, y: (N, 1)
    predict(model, points) -> P(class 1), shape (M,) or (M, 1)   points: (M, 2) raw points

and redraws the decision boundary and the loss curve whenever a control is released. It draws
once when it is created, so it also works (without waiting) when a notebook runs headless.
"""

import ipywidgets as widgets
import matplotlib.pyplot as plt

from course.plots_boundary import accuracy, plot_decision_boundary, plot_loss_curve


def explorer_controls(width=4, lr=0.01, steps=1000):
    """The three sliders, released-to-update so that each change trains one network."""
    wide = {"style": {"description_width": "initial"}}   # room for the whole label
    return {
        "n_hidden": widgets.IntSlider(value=width, min=1, max=16, description="hidden units",
                                      continuous_update=False, **wide),
        "lr": widgets.FloatLogSlider(value=lr, base=10, min=-3, max=0, step=0.25,
                                     description="learning rate", readout_format=".3g",
                                     continuous_update=False, **wide),
        "steps": widgets.IntSlider(value=steps, min=0, max=5000, step=100, description="steps",
                                   continuous_update=False),
    }


def draw_training(train, predict, X, y, n_hidden, lr, steps):
    """Train once with these settings and draw the boundary beside the loss curve.

    A train or predict function that is not written yet (or fails) gets a message, not a
    traceback, so the rest of the notebook still runs.
    """
    try:
        model, losses = train(X, y, n_hidden, lr, steps)
        train_accuracy = accuracy(lambda p: predict(model, p), X, y)
    except Exception as error:  # the student's code: report, do not crash the notebook
        print(f"Training did not run ({type(error).__name__}: {error}). "
              "Finish the exercises above, then move a slider.")
        return
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    plot_decision_boundary(lambda p: predict(model, p), X, y, ax=left,
                           title=f"{n_hidden} hidden units: training accuracy {train_accuracy:.0%}")
    plot_loss_curve(losses, ax=right, title=f"Loss, learning rate {lr:.3g}", ylabel="summed log loss")
    fig.tight_layout()
    plt.show()


def boundary_explorer(train, predict, X, y, width=4, lr=0.01, steps=1000):
    """A widget box: sliders on top, boundary and loss curve below. Display it in a cell."""
    controls = explorer_controls(width, lr, steps)

    def redraw(n_hidden, lr, steps):
        draw_training(train, predict, X, y, n_hidden, lr, steps)

    shown = widgets.interactive_output(redraw, controls)
    return widgets.VBox([widgets.HBox(list(controls.values())), shown])
