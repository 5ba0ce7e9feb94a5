"""The window of batches on the wire (issue 13): as many as gain something, at most four.

Round trips are fed to the window from simple models of the two worlds it meets: a
server that is the bottleneck (each batch more on the wire only queues, so a round trip
grows with the number out) and a far-away Graph (latency dominates, batches are worked
on side by side, the round trip hardly grows).
"""

from __future__ import annotations

from collections import Counter

import pytest

from sync_core.window import Window

WORK = 0.012  # one batch's work on the server, seconds
LATENCY = 0.100  # real Graph's round trip, the benchmark's injected latency


def server_bound(out: int) -> float:
    return WORK * out  # each batch waits for the others' work


def far_away(out: int) -> float:
    return LATENCY + WORK + 0.002 * (out - 1)


def drive(window: Window, answers: int, round_trip) -> Counter[int]:
    """Send ``answers`` batches with the window full; how many went out at each limit."""
    sent: Counter[int] = Counter()
    for _ in range(answers):
        out = window.limit
        sent[out] += 1
        window.record(out, round_trip(out))
    return sent


def test_a_busy_server_gets_one_batch_at_a_time_with_a_rare_try_of_two():
    window = Window(4)
    sent = drive(window, 1000, server_bound)
    assert max(sent) <= 2
    assert sent[1] >= 0.85 * 1000


def test_far_away_graph_gets_four_batches_out_within_a_few_round_trips():
    window = Window(4)
    sent = drive(window, 400, far_away)
    assert window.limit == 4
    assert sent[4] >= 0.85 * 400
    assert max(sent) == 4, "never more than the bound"


def test_latency_that_appears_later_opens_the_window():
    window = Window(4)
    drive(window, 300, server_bound)
    assert window.limit <= 2
    sent = drive(window, 400, far_away)
    assert sent[4] >= 0.6 * 400
    assert window.limit == 4


def test_latency_that_goes_away_closes_the_window_after_the_next_measurement():
    window = Window(4)
    drive(window, 200, far_away)
    assert window.limit == 4
    sent = drive(window, 1000, server_bound)
    assert sent[1] >= 0.75 * 1000
    assert window.limit <= 2


def test_round_trips_sent_under_another_limit_do_not_count():
    window = Window(4)
    for _ in range(100):
        window.record(3, 5.0)  # the window is at one: these say nothing about it
    assert window.limit == 1 and window.base is None


@pytest.mark.parametrize("most, adapt, limit", [(4, False, 4), (1, True, 1), (1, False, 1)])
def test_a_fixed_or_single_window_never_moves(most, adapt, limit):
    window = Window(most, adapt=adapt)
    drive(window, 200, far_away)
    assert window.limit == limit
