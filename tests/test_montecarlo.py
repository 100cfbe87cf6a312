"""Tests for the Monte Carlo runner: seeds, worker counts, Dask, progress and the exact wrapper."""

from __future__ import annotations

import pickle
import time

import numpy as np
import pytest
from forecast_kit import (
    exact_tally, fake_baseline, fake_runner, refusing_exact, small_scenario,
)

from programs import PLAYBOOKS, TEST_DATA
from simulator import montecarlo
from simulator.montecarlo import (
    Refused, forecast, forecast_exactly, replicate, replication_seeds, simulate,
)
from sopdsl.api import load, load_text
from sopdsl.scenario.build import effective_scenario
from simulator.results import Tally


def seed_echo(program, scenario, seed, progress=None) -> Tally:
    """A runner whose tally is its seed; later replications finish first."""
    time.sleep(0.02 if seed % 2 else 0.0)
    return Tally(seed=seed, customers=float(seed % 1000))


class Recorder:
    """A progress sink that remembers what it was told."""

    def __init__(self) -> None:
        self.days_seen: dict[int, list[float]] = {}
        self.done: list[int] = []

    def days(self, replication: int, days_done: float) -> None:
        self.days_seen.setdefault(replication, []).append(days_done)

    def finished(self, replication: int) -> None:
        self.done.append(replication)


def test_seeds_come_from_the_seed_sequence() -> None:
    """Replication i's seed is the first 64-bit word of SeedSequence(seed).spawn(n)[i]."""
    seeds = replication_seeds(42, 3)
    children = np.random.SeedSequence(42).spawn(3)
    assert seeds == [int(c.generate_state(1, dtype=np.uint64)[0]) for c in children]
    assert len(set(seeds)) == 3


def test_seeds_do_not_depend_on_the_count() -> None:
    """Asking for more replications keeps the seeds of the first ones."""
    assert replication_seeds(7, 10)[:4] == replication_seeds(7, 4)
    assert replication_seeds(7, 4) != replication_seeds(8, 4)


def test_same_seed_same_results(onboarding) -> None:
    """Two runs with one seed give equal tallies; another seed gives others."""
    scenario = small_scenario()
    first = simulate(onboarding, scenario, replications=4, seed=11, runner=fake_runner,
                     baseline=False)
    again = simulate(onboarding, scenario, replications=4, seed=11, runner=fake_runner,
                     baseline=False)
    other = simulate(onboarding, scenario, replications=4, seed=12, runner=fake_runner,
                     baseline=False)
    assert first.tallies == again.tallies
    assert first.tallies != other.tallies
    assert [t.seed for t in first.tallies] == first.seeds == replication_seeds(11, 4)


@pytest.mark.parametrize("workers", [2, 3])
def test_worker_counts_give_identical_results(onboarding, workers: int) -> None:
    """A process pool returns exactly the tallies of one process, in replication order."""
    scenario = small_scenario()
    alone = simulate(onboarding, scenario, replications=5, seed=3, runner=fake_runner,
                     baseline=False)
    pooled = simulate(onboarding, scenario, replications=5, seed=3, runner=fake_runner,
                      baseline=False, workers=workers)
    assert pooled.tallies == alone.tallies


def test_results_are_in_replication_order(onboarding) -> None:
    """Whatever order replications finish in, tally i belongs to seed i."""
    forecast = simulate(onboarding, small_scenario(), replications=6, seed=5, runner=seed_echo,
                        baseline=False, workers=2)
    assert [t.seed for t in forecast.tallies] == forecast.seeds


def test_dask_local_cluster_gives_identical_results(onboarding) -> None:
    """The same seed on a Dask LocalCluster gives the tallies of one process."""
    from dask.distributed import LocalCluster

    scenario = small_scenario()
    alone = simulate(onboarding, scenario, replications=4, seed=9, runner=fake_runner,
                     baseline=False)
    with LocalCluster(n_workers=2, processes=False, dashboard_address=None) as cluster:
        on_dask = simulate(onboarding, scenario, replications=4, seed=9, runner=fake_runner,
                           baseline=False, scheduler=cluster.scheduler_address)
    assert on_dask.tallies == alone.tallies


@pytest.mark.parametrize("workers", [1, 2])
def test_progress_reports_days_and_replications(onboarding, workers: int) -> None:
    """Every replication reports its simulated days 1..4 and finishes once."""
    recorder = Recorder()
    simulate(onboarding, small_scenario(days=4), replications=3, seed=1, runner=fake_runner,
             baseline=False, workers=workers, progress=recorder)
    assert sorted(recorder.done) == [0, 1, 2]
    assert {r: sorted(days) for r, days in recorder.days_seen.items()} == {
        r: [1, 2, 3, 4] for r in range(3)}


def test_forecast_records_what_produced_it(onboarding) -> None:
    """The forecast names the method, playbook, root seed and scenario."""
    scenario = small_scenario()
    forecast = simulate(onboarding, scenario, replications=2, seed=4, runner=fake_runner,
                        baseline=False)
    assert forecast.method == "montecarlo" and forecast.seed == 4
    assert forecast.playbook.endswith("onboarding.sop") and forecast.scenario is scenario


def test_bad_counts_are_refused(onboarding) -> None:
    """Zero replications or workers is a caller's mistake."""
    with pytest.raises(ValueError):
        simulate(onboarding, small_scenario(), replications=0, seed=1, runner=fake_runner,
                 baseline=False)
    with pytest.raises(ValueError):
        simulate(onboarding, small_scenario(), replications=1, seed=1, runner=fake_runner,
                 baseline=False, workers=0)


def test_program_and_scenario_pickle(onboarding) -> None:
    """A loaded onboarding and its scenario survive pickling, as process pools need."""
    scenario = small_scenario()
    again = pickle.loads(pickle.dumps((onboarding, scenario)))
    assert list(again[0].journeys) == list(onboarding.journeys)
    assert again[1] == scenario
    assert replicate(fake_runner, again[0], again[1], 5, 0) == fake_runner(onboarding, scenario, 5)


def test_exact_forecast(onboarding) -> None:
    """An exact forecast is one tally of expected counts, with no seed."""
    forecast = forecast_exactly(onboarding, small_scenario(), exact_tally)
    assert forecast.method == "exact" and forecast.seed is None
    assert forecast.tallies == [exact_tally(onboarding, None)]


def test_exact_refusal_carries_its_reasons(onboarding) -> None:
    """When the exact forecaster refuses, the reasons come out in a `Refused`."""
    with pytest.raises(Refused) as refusal:
        forecast_exactly(onboarding, small_scenario(), refusing_exact)
    assert refusal.value.reasons == ["staff `guide` has a finite capacity",
                                     "the playbook has a frequency cap"]


def test_forecast_runs_the_scenarios_replications_from_its_seed(onboarding, monkeypatch) -> None:
    """`forecast` with Monte Carlo is `simulate` with the scenario's own count and seed."""
    monkeypatch.setattr(montecarlo, "default_runner", lambda: fake_runner)
    monkeypatch.setattr(montecarlo, "default_baseline_runner", lambda: fake_baseline)
    scenario = small_scenario().overridden(replications=3, seed=21)
    found = forecast(onboarding, scenario)
    assert found.tallies == simulate(onboarding, scenario, replications=3, seed=21,
                                     runner=fake_runner, baseline=False).tallies
    assert (found.method, found.seed, len(found.seeds)) == ("montecarlo", 21, 3)
    assert found.baseline == [fake_baseline(onboarding, scenario, seed) for seed in found.seeds]
    assert forecast(onboarding, scenario, baseline=False).baseline is None


@pytest.mark.parametrize("workers", [1, 2])
def test_baseline_replications_pair_by_seed_and_report_after_the_forecast(
        onboarding, workers: int) -> None:
    """Baseline replication i runs seed i, whatever the workers; its progress is told as
    replication n + i, so a progress bar counts 2n replications."""
    recorder = Recorder()
    found = simulate(onboarding, small_scenario(days=2), replications=3, seed=5,
                     runner=fake_runner, baseline=fake_baseline, workers=workers,
                     progress=recorder)
    assert [tally.seed for tally in found.baseline] == found.seeds
    assert found.baseline == [fake_baseline(onboarding, found.scenario, seed)
                              for seed in found.seeds]
    assert sorted(recorder.done) == list(range(6))


def test_forecast_exactly_or_not_at_all() -> None:
    """`method="exact"` is the exact forecaster's tally, its refusal, or no method at all."""
    program = load(TEST_DATA / "exact" / "branches.sop")
    scenario = effective_scenario(program)[0]
    assert forecast(program, scenario, method="exact").tallies == \
        forecast_exactly(program, scenario).tallies
    with pytest.raises(ValueError, match="montecarlo, exact"):
        forecast(program, scenario, method="bootstrap")
    fatigued = load(PLAYBOOKS / "onboarding.sop")
    with pytest.raises(Refused):
        forecast(fatigued, effective_scenario(fatigued)[0], method="exact")


def test_a_playbook_with_errors_is_not_forecast() -> None:
    program = load_text('journey j { when friend_added  send nothing via sms }\n')
    with pytest.raises(ValueError, match="errors"):
        forecast(program, small_scenario())
