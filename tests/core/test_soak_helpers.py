"""The pure helpers of benchmarks/soak.py: the memory-trend verdict and percentiles from counts."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

_BENCHMARK = Path(__file__).parents[2] / "benchmarks" / "soak.py"


@pytest.fixture(scope="module")
def soak() -> ModuleType:
    spec = importlib.util.spec_from_file_location("soak_benchmark", _BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    sys.path.insert(0, str(_BENCHMARK.parent))  # the benchmark imports its sibling scripts
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(_BENCHMARK.parent))
    return module


MIB = 2**20


def test_flat_memory_with_noise_and_early_warm_up_shows_no_trend(soak: ModuleType) -> None:
    rng = np.random.default_rng(1)
    warming = [(10.0 * i, 100 * MIB + i * 4 * MIB) for i in range(30)]  # fast growth in the first half only
    steady = [(10.0 * i, 220 * MIB + float(rng.normal(0, 2 * MIB))) for i in range(30, 60)]
    trend = soak.memory_trend(warming + steady)
    assert abs(trend.growth) < 0.02
    assert not trend.grows(soak.MAX_GROWTH)


def test_a_steady_leak_in_the_second_half_is_a_trend(soak: ModuleType) -> None:
    samples = [(10.0 * i, 200 * MIB + i * 0.5 * MIB) for i in range(60)]  # 3 MiB a minute
    trend = soak.memory_trend(samples)
    assert trend.slope == pytest.approx(0.05 * MIB)
    assert trend.growth == pytest.approx(0.05 * MIB * 290 / (200 * MIB + 44.5 * 0.5 * MIB))
    assert trend.grows(soak.MAX_GROWTH)
    assert not trend.grows(0.1)


def test_too_few_samples_have_no_trend(soak: ModuleType) -> None:
    assert soak.memory_trend([]) == soak.Trend(0.0, 0.0)
    assert soak.memory_trend([(0.0, 5.0), (10.0, 9.0)]) == soak.Trend(0.0, 0.0)
    assert soak.memory_trend([(0.0, 5.0), (10.0, 9.0), (20.0, 13.0)]).slope == pytest.approx(0.4)


def test_percentiles_from_millisecond_counts(soak: ModuleType) -> None:
    counts = np.zeros(1000, dtype=np.int64)
    assert np.isnan(soak.histogram_percentile(counts, 0.5))
    counts[[3, 10, 250]] = [50, 49, 1]  # 50 values in [3, 4), 49 in [10, 11), one in [250, 251)
    assert soak.histogram_percentile(counts, 0.5) == 4
    assert soak.histogram_percentile(counts, 0.51) == 11
    assert soak.histogram_percentile(counts, 0.99) == 11
    assert soak.histogram_percentile(counts, 1.0) == 251
