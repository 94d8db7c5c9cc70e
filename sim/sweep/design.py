"""Design points and run seeds of a sweep.

Sampled designs (lhs, sobol, morris) are drawn in the unit hypercube, then
each coordinate goes through its parameter's inverse distribution function;
sensitivity analysis works on the unit coordinates, which are kept. Every
run's seed derives from the spec's root seed through ``numpy.random.SeedSequence``.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from scipy.stats import qmc

from sim.sweep.spec import Parameter, SweepSpec

NORMAL_TAIL = 1e-3  # a unit coordinate of 0 or 1 (Morris levels) maps to this quantile


class DesignError(ValueError):
    """A design that cannot be built; ``key`` names the spec key at fault."""

    def __init__(self, key: str, message: str):
        self.key = key
        super().__init__(f"{key}: {message}")


def unit_sample(spec: SweepSpec) -> np.ndarray:
    """Points of a sampled design in [0, 1]^D, in the order SALib's analysis expects."""
    design, names = spec.design, list(spec.parameters)
    d, seed = len(names), spec.seed
    if design.method == "lhs":
        return qmc.LatinHypercube(d=d, rng=np.random.default_rng(seed)).random(design.samples)
    problem = {"num_vars": d, "names": names, "bounds": [[0.0, 1.0]] * d}
    if design.method == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, design.samples, calc_second_order=design.second_order,
                            scramble=True, seed=seed)
    if design.method == "morris":
        from SALib.sample import morris

        return morris.sample(problem, design.samples, num_levels=design.levels or 4, seed=seed)
    raise ValueError(f"{design.method} is not a sampled design")


def from_unit(parameter: Parameter, u: np.ndarray) -> list:
    """Map unit coordinates to the parameter's values (inverse distribution function)."""
    u = np.asarray(u, dtype=float)
    if parameter.values is not None:
        n = len(parameter.values)
        return [parameter.values[i] for i in np.minimum((u * n).astype(int), n - 1)]
    if parameter.range is not None:
        low, high = parameter.range
        return list(low + u * (high - low))
    low, high, mean, sd = parameter.low, parameter.high, parameter.mean, parameter.sd
    kind = parameter.distribution
    if kind == "uniform":
        values = low + u * (high - low)
    elif kind == "loguniform":
        values = np.exp(math.log(low) + u * (math.log(high) - math.log(low)))
    elif kind == "normal":
        values = stats.norm.ppf(np.clip(u, NORMAL_TAIL, 1 - NORMAL_TAIL), loc=mean, scale=sd)
    else:
        a, b = (low - mean) / sd, (high - mean) / sd
        values = stats.truncnorm.ppf(u, a, b, loc=mean, scale=sd)
    return list(values)


def grid_points(spec: SweepSpec) -> pd.DataFrame:
    """Every combination of every parameter's values (the first parameter varies slowest)."""
    axes = []
    for parameter in spec.parameters.values():
        if parameter.values is not None:
            axes.append(list(parameter.values))
        else:
            low, high = parameter.range
            axes.append(list(np.linspace(low, high, spec.design.levels or 3)))
    return pd.DataFrame(list(itertools.product(*axes)), columns=list(spec.parameters))


def file_points(spec: SweepSpec, base_dir: Path) -> pd.DataFrame:
    """The points of the design's CSV file: one column per parameter key path."""
    path = Path(spec.design.file)
    path = path if path.is_absolute() else base_dir / path
    if not path.is_file():
        raise DesignError("design.file", f"no such file {str(path)!r}")
    try:
        table = pd.read_csv(path)
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DesignError("design.file", f"not a readable CSV file ({exc})") from None
    if table.empty:
        raise DesignError("design.file", "has no points (a header and one row per point)")
    if spec.parameters and set(table.columns) != set(spec.parameters):
        raise DesignError("design.file", f"columns {sorted(table.columns)} differ from the "
                          f"parameters {sorted(spec.parameters)}")
    if table.isna().any().any():
        column = table.columns[table.isna().any()][0]
        raise DesignError("design.file", f"column {column!r} has empty cells")
    return table


def design_points(spec: SweepSpec, base_dir: Path) -> tuple[pd.DataFrame, np.ndarray | None]:
    """Parameter values of every point, and the unit coordinates of sampled designs."""
    method = spec.design.method
    if method == "grid":
        return grid_points(spec), None
    if method == "file":
        return file_points(spec, base_dir), None
    unit = unit_sample(spec)
    columns = {name: from_unit(parameter, unit[:, i])
               for i, (name, parameter) in enumerate(spec.parameters.items())}
    return pd.DataFrame(columns), unit


def run_seed(root: int, point: int, replicate: int, common: bool) -> int:
    """The model seed of one run (0 to 2**63-1), from the root seed."""
    key = (replicate,) if common else (point, replicate)
    sequence = np.random.SeedSequence(root, spawn_key=key)
    return int(sequence.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def run_table(points: pd.DataFrame, spec: SweepSpec) -> pd.DataFrame:
    """One row per run: run_id, point, replicate, seed, then the parameter values."""
    replications = spec.runs_per_point
    n = len(points)
    point = np.repeat(np.arange(n), replications)
    replicate = np.tile(np.arange(replications), n)
    if spec.seeds is not None:
        seeds = [spec.seeds[r] for r in replicate]
    else:
        seeds = [run_seed(spec.seed, int(p), int(r), spec.common_random_numbers)
                 for p, r in zip(point, replicate, strict=True)]
    table = pd.DataFrame({"run_id": np.arange(n * replications), "point": point,
                          "replicate": replicate, "seed": np.array(seeds, dtype=np.int64)})
    values = points.iloc[point].reset_index(drop=True)
    return pd.concat([table, values], axis=1)
