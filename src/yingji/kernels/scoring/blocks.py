"""Blocked, threaded passes over a matrix: cache-sized blocks of rows shared among the CPUs."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from queue import Empty, SimpleQueue
from typing import Final

import numpy as np

from yingji.kernels.arrays import FloatArray


def row_dot(matrix: FloatArray, weights: FloatArray, out: FloatArray) -> None:
    """out = matrix @ weights, one dot product per row (BLAS ddot), without BLAS threads:
    blocks are already shared among the CPUs. numpy < 2 has no vecdot: matmul there."""
    if hasattr(np, "vecdot"):
        np.vecdot(matrix, weights, out=out)
    else:  # pragma: no cover
        np.matmul(matrix, weights, out=out)


def block_rows(x: FloatArray, size: int) -> int:
    """Rows per block of about ``size`` bytes, a multiple of ``FOLD``."""
    k = max(int(x.shape[1]), 1)
    return max(FOLD, size // (8 * k) // FOLD * FOLD)


FOLD: Final = 32
RANGE_BLOCK_BYTES: Final = 2 << 20
SUM_BLOCK_BYTES: Final = 8 << 20
PARALLEL_ROWS: Final = 1 << 16
_pool_lock = threading.Lock()
_pool: tuple[int, int, ThreadPoolExecutor] | None = None


def block_ranges(x: FloatArray) -> tuple[FloatArray, FloatArray, int]:
    """NaN-ignoring min and max of each column within each block of rows: blocks × columns.

    One pass over the matrix for both. A block of 32 rows is viewed as one long row, so the
    reductions run 1,280-value inner loops instead of 40-value ones. The tasks, in the order
    (minima of block 0, maxima of block 0, minima of block 1, ...), are taken from a common
    queue: with two CPUs, one thread takes a block's minima while the other takes its
    maxima, so the block comes from memory once for both (numpy releases the GIL); with one,
    its maxima follow its minima while it is still in cache. The per-block ranges also
    locate the few rows that go beyond a fixed bound without another pass.
    """
    rows, k = x.shape
    fold = FOLD if x.flags.c_contiguous else 1
    block = block_rows(x, RANGE_BLOCK_BYTES)
    blocks = -(-rows // block)
    lo = np.empty((blocks, fold, k))
    hi = np.empty((blocks, fold, k))

    def reduce(tasks: Iterable[int]) -> None:
        for task in tasks:  # task 2b: the minima of block b, 2b + 1: its maxima
            b, which = divmod(task, 2)
            ufunc, out = (np.fmin, lo) if which == 0 else (np.fmax, hi)
            part = x[b * block : (b + 1) * block]
            if part.shape[0] % fold == 0:
                ufunc.reduce(part.reshape(-1, fold * k), axis=0, out=out[b].reshape(fold * k))
            else:  # the last, short block
                out[b] = ufunc.reduce(part, axis=0)

    parallel(reduce, 2 * blocks, rows >= PARALLEL_ROWS)
    return np.fmin.reduce(lo, axis=1), np.fmax.reduce(hi, axis=1), block


def _threads(blocks: int, worth_it: bool) -> int:
    """How many threads to share ``blocks`` among: the CPUs this process may use (≤ 8)."""
    if not worth_it:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, blocks, 8))


def parallel(work: Callable[[Iterable[int]], None], n: int, worth_it: bool) -> None:
    """Run ``work`` over the blocks 0..n-1, shared among the CPUs this process may use.

    Threads take the next block from a common queue, so a CPU that another process holds
    does not leave its fixed share of the blocks for last.
    """
    threads = _threads(n, worth_it)
    if threads <= 1:
        work(range(n))
        return
    queue: SimpleQueue[int] = SimpleQueue()
    for b in range(n):
        queue.put(b)

    def blocks() -> Iterator[int]:
        while True:
            try:
                yield queue.get_nowait()
            except Empty:
                return

    _run([partial(work, blocks()) for _ in range(threads)])


def _run(tasks: Sequence[Callable[[], None]]) -> None:
    """Run the tasks at the same time, the first in this thread; re-raise their errors."""
    pending = [_thread_pool(len(tasks) - 1).submit(task) for task in tasks[1:]]
    try:
        tasks[0]()
    finally:
        for future in pending:
            future.result()


def _thread_pool(workers: int) -> ThreadPoolExecutor:
    """A process-wide pool, made again after a fork (a child inherits no threads)."""
    global _pool  # noqa: PLW0603
    with _pool_lock:
        if _pool is None or _pool[0] != os.getpid() or _pool[1] < workers:
            pool = ThreadPoolExecutor(workers, thread_name_prefix="scoring")
            _pool = (os.getpid(), workers, pool)
        return _pool[2]
