"""Requests sent at the same moment, from threads: how double clicks, two tabs and two
officers at once are tested."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def at_once(*calls: Callable[[], T], timeout: float = 60) -> list[T]:
    """Run each call on a thread of its own, all started together; their results in order.
    A call that raised makes this raise, so a failure inside a thread is never lost."""
    results: list = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            results[index] = calls[index]()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    if errors:
        raise errors[0]
    return results
