"""Keep numpy's BLAS on one thread.

The lectures multiply small matrices many times. With several threads per process, and a grader
or test suite running notebooks side by side on few cores, BLAS threads wait on each other and a
training loop that takes a second can take a minute. One thread is fast and predictable.
"""

from threadpoolctl import threadpool_limits

_LIMIT = []


def use_one_blas_thread():
    """Limit every loaded BLAS library (numpy's OpenBLAS) to one thread for this process."""
    if not _LIMIT:
        _LIMIT.append(threadpool_limits(limits=1, user_api="blas"))
