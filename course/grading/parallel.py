"""Many notebooks at once: worker processes that start clean, each grading one ``Job`` at a
time, and that go when the grading command goes. A worker that fails (or dies) costs only its
notebook, which gets a grader error."""

import multiprocessing
import os
import threading
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed

from course.grading import report
from course.grading.records import zero_result


def _error(job, reason):
    return zero_result(job, reason, "grader-error", flags=[reason])


def _safe_grade(job):
    from course.grading.worker import grade_notebook
    try:
        return grade_notebook(job)
    except Exception:
        return _error(job, "grader error: " + traceback.format_exc(limit=3).strip().splitlines()[-1])


def _follow_parent(pid):
    """In a worker: exit when the grading command is gone (killed, or Ctrl-C), so that no worker,
    kernel or test process outlives it (a worker's sandboxes and test processes end with it)."""
    def gone():
        try:
            with open(f"/proc/{pid}/status") as f:
                return any(line.startswith("State:") and "Z" in line.split()[1] for line in f)
        except OSError:
            return True

    def watch():
        while not gone():
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def run_jobs(jobs, n_workers, quiet=False):
    """Grade every job, in parallel; returns the results in job order."""
    progress = None if quiet else report.Progress(len(jobs))
    results = [None] * len(jobs)
    if n_workers <= 1:
        for i, job in enumerate(jobs):
            results[i] = _safe_grade(job)
            progress and progress.step(f"{job.student}/{job.notebook}")
        return results
    # forkserver: workers start from a clean process, not a copy of this one (which knows the
    # gradebook's location).
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["course.grading.worker"])
    with ProcessPoolExecutor(n_workers, mp_context=context, initializer=_follow_parent,
                             initargs=(os.getpid(),)) as pool:
        futures = {pool.submit(_safe_grade, job): i for i, job in enumerate(jobs)}
        for future in as_completed(futures):
            i = futures[future]
            try:
                results[i] = future.result()
            except Exception:   # a worker process died: the notebook gets a grader error
                results[i] = _error(jobs[i], "the grading worker died")
            progress and progress.step(f"{jobs[i].student}/{jobs[i].notebook}")
    return results
