from hypothesis import given
from hypothesis import strategies as st

from bot.scheduler import Limits, Scheduler


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_round_robin_serves_users_in_turn():
    scheduler = Scheduler(Limits(max_running=100))
    for i in range(4):
        scheduler.enqueue(f"a{i}", "alice")
    scheduler.enqueue("b0", "bob")
    scheduler.enqueue("c0", "carol")
    scheduler.enqueue("b1", "bob")
    assert scheduler.order() == ["a0", "b0", "c0", "a1", "b1", "a2", "a3"]
    assert scheduler.positions()["b0"] == 2
    started = [scheduler.admit() for _ in range(7)]
    assert started == ["a0", "b0", "c0", "a1", "b1", "a2", "a3"]
    assert scheduler.admit() is None


def test_user_arriving_later_is_not_starved():
    scheduler = Scheduler(Limits(max_running=1))
    for i in range(10):
        scheduler.enqueue(f"a{i}", "alice")
    assert scheduler.admit() == "a0"
    scheduler.enqueue("b0", "bob")
    scheduler.finish("a0")
    # bob's single job goes before alice's backlog: at most one of alice's first
    assert scheduler.positions()["b0"] <= 2
    first, second = scheduler.admit(), None
    scheduler.finish(first or "")
    second = scheduler.admit()
    assert "b0" in (first, second)


def test_concurrency_limit_and_finish():
    scheduler = Scheduler(Limits(max_running=2))
    for i in range(3):
        scheduler.enqueue(f"j{i}", f"u{i}")
    assert scheduler.admit() == "j0"
    assert scheduler.admit() == "j1"
    assert scheduler.admit() is None
    assert scheduler.positions() == {"j2": 1}
    scheduler.finish("j0")
    assert scheduler.admit() == "j2"


def test_resumed_running_jobs_count_against_the_limit():
    scheduler = Scheduler(Limits(max_running=1))
    scheduler.mark_running("old")
    scheduler.enqueue("new", "u")
    assert scheduler.admit() is None
    scheduler.finish("old")
    assert scheduler.admit() == "new"


def test_per_minute_limit_waits_for_the_window():
    clock = FakeClock()
    scheduler = Scheduler(Limits(max_running=10, max_per_minute=2), clock=clock)
    for i in range(3):
        scheduler.enqueue(f"j{i}", "u")
    assert scheduler.admit() == "j0"
    clock.now += 10
    assert scheduler.admit() == "j1"
    assert scheduler.admit() is None
    assert scheduler.seconds_until_rate_allows() == 50.0
    clock.now += 50
    assert scheduler.admit() == "j2"


def test_remove_queued_job():
    scheduler = Scheduler(Limits(max_running=1))
    scheduler.enqueue("a", "u")
    scheduler.enqueue("b", "u")
    assert scheduler.remove("a")
    assert not scheduler.remove("a")
    assert scheduler.order() == ["b"]


@given(st.lists(st.tuples(st.integers(0, 4), st.booleans()), max_size=60))
def test_every_queued_job_starts_exactly_once(ops):
    scheduler = Scheduler(Limits(max_running=3))
    queued: list[str] = []
    started: list[str] = []
    for index, (user, admit) in enumerate(ops):
        job = f"j{index}"
        scheduler.enqueue(job, f"u{user}")
        queued.append(job)
        if admit and (job_id := scheduler.admit()):
            started.append(job_id)
            scheduler.finish(job_id)
    while (job_id := scheduler.admit()) is not None:
        started.append(job_id)
        scheduler.finish(job_id)
    assert sorted(started) == sorted(queued)
    assert len(set(started)) == len(started)
