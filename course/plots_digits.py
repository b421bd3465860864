"""Pictures for the digits lecture: learning curve, confusion matrix, misclassified digits.

Every function draws on a new figure and returns it; none of them trains or predicts.
"""

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns


def plot_learning_curve(history, title="Learning curve", ylabel="mean cross-entropy"):
    """Plot one number per epoch (e.g. the training loss); ``history`` is a sequence of floats,
    or a dict {label: sequence} to draw several curves."""
    curves = history if isinstance(history, dict) else {"training loss": history}
    fig, ax = plt.subplots(figsize=(5, 3.2))
    for label, values in curves.items():
        values = np.asarray(values, dtype=float)
        ax.plot(np.arange(1, len(values) + 1), values, marker="o", label=label)
    ax.set(title=title, xlabel="epoch", ylabel=ylabel)
    ax.legend()
    fig.tight_layout()
    return fig


def confusion_matrix(y_true, y_pred, n_classes=10):
    """counts[i, j] = number of images of digit i predicted as j; shape (n_classes, n_classes)."""
    counts = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(counts, (np.asarray(y_true, dtype=int), np.asarray(y_pred, dtype=int)), 1)
    return counts


def plot_confusion(y_true, y_pred, n_classes=10, title="Confusion matrix (test set)"):
    """Heatmap of the confusion matrix, true digit down, predicted digit across."""
    counts = confusion_matrix(y_true, y_pred, n_classes)
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    sns.heatmap(counts, annot=True, fmt="d", cmap="Blues", cbar=False, ax=ax,
                annot_kws={"size": 8})
    ax.set(title=title, xlabel="predicted digit", ylabel="true digit")
    fig.tight_layout()
    return fig


def plot_misclassified(X, y_true, y_pred, n=24, columns=8, title="Misclassified test digits"):
    """Grid of up to ``n`` images (rows of 784 pixels) whose prediction is wrong, each titled
    with its true and predicted label."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    wrong = np.flatnonzero(y_true != y_pred)[:n]
    rows = max(1, int(np.ceil(len(wrong) / columns)))
    fig, axes = plt.subplots(rows, columns, figsize=(1.3 * columns, 1.5 * rows + 0.4), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, i in zip(axes.ravel(), wrong):
        ax.imshow(np.asarray(X[i]).reshape(28, 28), cmap="gray_r")
        ax.set_title(f"true {y_true[i]}, pred {y_pred[i]}", fontsize=8)
    fig.suptitle(f"{title} ({len(wrong)} shown of {int(np.sum(y_true != y_pred))})")
    fig.tight_layout()
    return fig
