"""The weekly rules of producing firms, compiled, for one stage's firms at a time.

Each stage's firms keep their state in one array (``agents.firm_book``): a row
per quantity (the ``Row`` numbers below), a column per firm. ``plan_stage``
runs the week's output decision for every firm of a stage and
``expansion_stage`` its investment decision; each Firm agent's own methods
call the same kernels for its column, so one text states each rule.

The rules, per firm (USD/kg unless noted):

- own cost = cost less its state's subsidy for the stage, at least 0; bought
  cost = what its inputs cost at the region's prices (concentrate for a
  refiner, the recipe's oxides for a magnet maker, none for a miner);
- revenue = the sale price of its output (a state's floor included): for a
  miner the concentrate price times its ore's oxide value over the market
  feed's; for a refiner the oxide value of its region's feed;
- margin = (revenue - cost) / cost; the remembered margin moves
  1/``margin_memory_weeks`` of the way to it each week;
- utilisation moves ``utilisation_ramp`` of the way to its target: the
  minimum utilisation plus the rest in proportion to the margin between the
  curve's minimum-output and full-output margins, falling to none over
  ``shut_in_width`` below ``shut_in_margin``; output = capacity x utilisation
  x the region's output factor (disruptions);
- a magnet maker first moves its Dy/Tb per tonne towards the base recipe
  times (Dy/Tb price / start price) ^ -``dytb_thrift_elasticity``, within
  the recipe's bounds, by 1/``dytb_thrift_weeks`` of the gap;
- investment: see ``Firm.expansion_pace`` and ``Firm.expansion_wanted``.

Compiled with numba because a week has a few dozen firms and calling Python
methods on each cost more than the arithmetic. The arithmetic is IEEE
doubles in the order written here, and ``**`` is the C library's ``pow``, as
for Python floats, so results match the same rules written in Python exactly.
"""

from __future__ import annotations

from numba import njit

from sim.world import CONC, DYTB, MAGNET, NDPR, WEEKS_PER_YEAR

# Rows of a stage's state array.
(CAPACITY, COST, MIN_UTILISATION, MARGIN, MEMORY, UTILISATION, PLANNED, CAPITAL_FACTOR,
 PIPELINE, WANTED, NDPR_SHARE, DYTB_SHARE, NDPR_PER_T, DYTB_PER_T, DYTB_REFERENCE,
 OUTPUT_FACTOR) = range(16)
ROWS = 16
# Stages, by the kind of revenue and inputs.
MINING, REFINING, MAGNETS = range(3)
# The model-wide settings a week's decisions use, in one array (``settings``).
(PULL_AT_ZERO, PULL_PER_MARGIN, SHUT_IN_MARGIN, SHUT_IN_WIDTH, MEMORY_WEIGHT, RAMP,
 CAPITAL_CHARGE, HURDLE, PIPELINE_WEIGHT, GROWTH_PER_EXCESS, MAX_GROWTH, EXPANSION_SHARE,
 MIN_EXPANSION, GROWTH_OVER_LEAD, DYTB_BASE, THRIFT_ELASTICITY, THRIFT_MIN, THRIFT_MAX,
 THRIFT_WEEKS) = range(19)
SETTINGS = 19


@njit(cache=True)
def _sale(prices, floors, region, product):  # pragma: no cover - compiled
    price, floor = prices[region, product], floors[region, product]
    return floor if floor > price else price


@njit(cache=True)
def own_cost(state, j, region, stage, subsidy):  # pragma: no cover - compiled
    """Operating cost less the state's subsidy, at least 0 (USD/kg)."""
    cost = state[COST, j] - subsidy[region, stage]
    return 0.0 if cost < 0.0 else cost


@njit(cache=True)
def bought_cost(kind, state, j, region, prices):  # pragma: no cover - compiled
    """What a kg of output's inputs cost at the region's prices (USD/kg)."""
    if kind == REFINING:
        return prices[region, CONC]
    if kind == MAGNETS:
        return state[NDPR_PER_T, j] * prices[region, NDPR] + state[DYTB_PER_T, j] * prices[
            region, DYTB]
    return 0.0


@njit(cache=True)
def revenue(kind, state, j, region, prices, floors, grades,
            market_grade):  # pragma: no cover - compiled
    """Value of a kg of output at sale prices, floors included (USD/kg)."""
    if kind == MINING:
        ndpr, dytb = _sale(prices, floors, region, NDPR), _sale(prices, floors, region, DYTB)
        feed_value = market_grade[0] * ndpr + market_grade[1] * dytb
        own_value = state[NDPR_SHARE, j] * ndpr + state[DYTB_SHARE, j] * dytb
        premium = own_value / feed_value if feed_value > 1e-9 else 1.0
        return _sale(prices, floors, region, CONC) * premium
    if kind == REFINING:
        return grades[region, 0] * _sale(prices, floors, region, NDPR) + grades[
            region, 1] * _sale(prices, floors, region, DYTB)
    return _sale(prices, floors, region, MAGNET)


@njit(cache=True)
def utilisation_target(margin, minimum, settings):  # pragma: no cover - compiled
    """Utilisation the margin calls for (0-1)."""
    pull = settings[PULL_AT_ZERO] + settings[PULL_PER_MARGIN] * margin
    pull = 0.0 if pull < 0.0 else (1.0 if pull > 1.0 else pull)
    running = minimum + (1.0 - minimum) * pull
    if margin < settings[SHUT_IN_MARGIN]:
        left = 1.0 + (margin - settings[SHUT_IN_MARGIN]) / settings[SHUT_IN_WIDTH]
        running *= left if left > 0.0 else 0.0
    return running


@njit(cache=True)
def update_margin(kind, state, j, region, stage, prices, floors, subsidy, grades,
                  market_grade, settings):  # pragma: no cover - compiled
    """This week's margin and the remembered margin, written into ``state``."""
    cost = own_cost(state, j, region, stage, subsidy) + bought_cost(kind, state, j, region,
                                                                    prices)
    value = revenue(kind, state, j, region, prices, floors, grades, market_grade)
    margin = (value - cost) / (1e-9 if cost < 1e-9 else cost)
    state[MARGIN, j] = margin
    state[MEMORY, j] += settings[MEMORY_WEIGHT] * (margin - state[MEMORY, j])


@njit(cache=True)
def thrift(state, j, region, prices, settings):  # pragma: no cover - compiled
    """A magnet maker's Dy/Tb per tonne moved towards its price-driven target."""
    relative = prices[region, DYTB] / state[DYTB_REFERENCE, j]
    relative = 1e-6 if relative < 1e-6 else relative
    factor = relative ** -settings[THRIFT_ELASTICITY]
    low, high = settings[THRIFT_MIN], settings[THRIFT_MAX]
    factor = low if low > factor else factor
    factor = high if high < factor else factor
    target = settings[DYTB_BASE] * factor
    state[DYTB_PER_T, j] += (target - state[DYTB_PER_T, j]) / settings[THRIFT_WEEKS]


@njit(cache=True)
def plan_stage(kind, state, regions, stage, prices, floors, subsidy, grades,
               market_grade, settings, out):  # pragma: no cover - compiled
    """Every firm's output wanted this week (t/week) into ``out``; state updated."""
    for j in range(regions.size):
        region = regions[j]
        if kind == MAGNETS:
            thrift(state, j, region, prices, settings)
        update_margin(kind, state, j, region, stage, prices, floors, subsidy, grades,
                      market_grade, settings)
        target = utilisation_target(state[MARGIN, j], state[MIN_UTILISATION, j], settings)
        state[UTILISATION, j] += settings[RAMP] * (target - state[UTILISATION, j])
        out[j] = state[CAPACITY, j] * state[UTILISATION, j] * state[OUTPUT_FACTOR, j]
        state[WANTED, j] = out[j]


@njit(cache=True)
def supply_margin(kind, state, j, region, stage, prices, subsidy,
                  settings):  # pragma: no cover - compiled
    """Expected margin on new capacity: the remembered margin's revenue against the
    operating cost raised by the capital charge, plus bought inputs."""
    own = own_cost(state, j, region, stage, subsidy)
    bought = bought_cost(kind, state, j, region, prices)
    expected_revenue = (1.0 + state[MEMORY, j]) * (own + bought)
    new_cost = own * (1.0 + settings[CAPITAL_CHARGE]) + bought
    return (expected_revenue - new_cost) / (1e-9 if new_cost < 1e-9 else new_cost)


@njit(cache=True)
def expansion_pace(kind, state, j, region, stage, prices, subsidy, capacity_table,
                   mining_quota, settings):  # pragma: no cover - compiled
    """Share of capacity a year the firm wants to add (0 at or below the hurdle)."""
    if kind == MINING and capacity_table[region, stage] >= mining_quota[region]:
        return 0.0  # the state's mines can already mine its quota (never with no quota)
    capacity = state[CAPACITY, j] * WEEKS_PER_YEAR
    under_way = state[PIPELINE, j] / (capacity if capacity > 1.0 else 1.0)
    overbuilt = under_way - settings[GROWTH_OVER_LEAD]
    excess = (supply_margin(kind, state, j, region, stage, prices, subsidy, settings)
              - settings[HURDLE] - settings[PIPELINE_WEIGHT] * overbuilt)
    if excess <= 0.0:
        return 0.0
    pace = settings[GROWTH_PER_EXCESS] * excess * state[CAPITAL_FACTOR, j]
    return settings[MAX_GROWTH] if pace > settings[MAX_GROWTH] else pace


@njit(cache=True)
def commit(state, j, pace, settings):  # pragma: no cover - compiled
    """Set aside this week's pace; the project size (t/yr) once a project is due, else 0."""
    capacity = state[CAPACITY, j] * WEEKS_PER_YEAR
    if pace <= 0.0:
        state[PLANNED, j] *= 1.0 - settings[MEMORY_WEIGHT]
        return 0.0
    state[PLANNED, j] += pace * capacity / WEEKS_PER_YEAR
    size = capacity * settings[EXPANSION_SHARE]
    size = settings[MIN_EXPANSION] if settings[MIN_EXPANSION] > size else size
    if state[PLANNED, j] < size:
        return 0.0
    state[PLANNED, j] -= size
    return size


@njit(cache=True)
def expansion_stage(kind, state, regions, stage, prices, subsidy, capacity_table,
                    mining_quota, settings, out):  # pragma: no cover - compiled
    """Every firm's capacity committed this week (t/yr, 0: none) into ``out``."""
    for j in range(regions.size):
        pace = expansion_pace(kind, state, j, regions[j], stage, prices, subsidy,
                              capacity_table, mining_quota, settings)
        out[j] = commit(state, j, pace, settings)
