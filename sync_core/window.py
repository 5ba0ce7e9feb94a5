"""How many ``$batch`` requests the sync keeps on the wire at once (issue 13).

Graph is far away and works on batches side by side, so several in flight hide its
latency: under 100 ms a full 10k sync needs four. On an idle loopback, or when the
server is the bottleneck, extra batches only queue behind each other (in the served
simulation also behind one interpreter lock shared with the mock) and cost thread
hand-offs. The window follows what one more batch gains, the way TCP Vegas does.
"""

from __future__ import annotations

import statistics
import threading

EPOCH = 4  # round trips judged together, by their median
GROW_BELOW = 0.5  # batches estimated to be only queueing, under which one more goes out
SHRINK_ABOVE = 0.75  # ... and over which one fewer does
STALE = 0.8  # a round trip this much shorter than the base: the base is measured again
MOST_PATIENCE = 8  # epochs at one batch before trying two again, at the longest


class Window:
    """The number of batches allowed on the wire, between 1 and ``most``.

    The *base* is a batch's round trip with no other batch of ours out: the wire's
    latency plus one batch's work. With ``n`` out and a round trip of ``r``, about
    ``n * (1 - base / r)`` of them are only waiting their turn (Vegas's estimate of the
    queue). Fewer than GROW_BELOW waiting: one more may go out; more than SHRINK_ABOVE:
    one fewer. The base follows the wire: it is measured at every epoch spent at one
    batch (a latency that comes pushes the window down there), and again from one batch
    when round trips get clearly shorter than it (a latency that goes). When two batches
    gained nothing over one, the window waits longer each time (up to MOST_PATIENCE
    epochs) before trying two again.

    One window serves a client's streams from run to run; its round trips may come from
    several threads.
    """

    def __init__(self, most: int, *, adapt: bool = True) -> None:
        self.most = max(1, most)
        self.adapt = adapt and self.most > 1
        self.limit = 1 if self.adapt else self.most
        self.widest = self.limit  # the highest limit reached (benchmarks and tests report it)
        self.base: float | None = None
        self._rtts: list[float] = []
        self._patience = 0  # epochs still to wait at one batch before trying two
        self._backoff = 1  # the next wait, doubled each time two gained nothing
        self._lock = threading.Lock()

    def record(self, on_wire: int, seconds: float) -> None:
        """One batch's round trip; ``on_wire`` batches were out when it left, itself included.

        Only round trips sent under the current limit, with the window full, are judged:
        others say nothing about it.
        """
        if not self.adapt or on_wire != self.limit:
            return
        with self._lock:
            self._rtts.append(seconds)
            if len(self._rtts) < EPOCH:
                return
            rtt = statistics.median(self._rtts)
            self._rtts.clear()
            self._judge(rtt)

    def _judge(self, rtt: float) -> None:
        if self.limit == 1 or self.base is None:
            self.base = rtt
            if self._patience:
                self._patience -= 1
            else:
                self.limit = 2
        elif rtt < STALE * self.base:  # faster than one batch alone was: the wire changed
            self.limit, self._patience, self._backoff = 1, 0, 1
        else:
            queued = self.limit * (1 - self.base / rtt)
            if queued > SHRINK_ABOVE:
                self.limit -= 1
                if self.limit == 1:  # two gained nothing over one: try again later
                    self._patience = self._backoff
                    self._backoff = min(2 * self._backoff, MOST_PATIENCE)
            elif queued < GROW_BELOW:
                self.limit = min(self.most, self.limit + 1)
                self._backoff = 1
        self.widest = max(self.widest, self.limit)
