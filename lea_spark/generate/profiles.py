"""The traits of the ten LEA groups as generation parameters (one value per group 1..10).

Each parameter turns a published group profile (../shared/reference/LEA.md) into a
probability or rate. Values are judgement calls that express the *direction and rough size*
of each trait; they are tuned so that national marginals land near published figures (see
docs/realism.md). Groups overlap on purpose: every trait is a probability, not a rule.

Structures: ``two_parent``, ``single_mother``, ``single_father``, ``blended``,
``independent_minor``.
"""
from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F

from lea_spark.generate.rand import lookup

GROUPS = list(range(1, 11))

STRUCTURES = ["two_parent", "single_mother", "single_father", "blended", "independent_minor"]

# P(structure) per group: two_parent, single_mother, single_father, blended, independent_minor
STRUCTURE_PROBS = {
    1: [0.00, 0.80, 0.12, 0.08, 0.00],   # one parent, frequently moving
    2: [0.97, 0.00, 0.00, 0.03, 0.00],   # two parents, young children
    3: [0.00, 0.95, 0.05, 0.00, 0.00],   # one parent, mother under 35
    4: [0.00, 0.80, 0.12, 0.08, 0.00],   # single providers, many children
    5: [0.28, 0.30, 0.07, 0.20, 0.15],   # diverse: independent minors, single, blended
    6: [0.95, 0.00, 0.00, 0.05, 0.00],   # two parents, low SES
    7: [0.05, 0.38, 0.07, 0.35, 0.15],   # distance parent's reserves
    8: [0.95, 0.00, 0.00, 0.05, 0.00],   # well-off two parents
    9: [0.40, 0.28, 0.07, 0.20, 0.05],   # many forms, work incapacity
    10: [0.30, 0.38, 0.07, 0.20, 0.05],  # unemployment
}

# P(number of minor children = 1..5) per group (5 stands for 5 or more: 5 or 6).
_FEW = [0.56, 0.36, 0.06, 0.015, 0.005]
_MID = [0.42, 0.40, 0.13, 0.03, 0.02]
_MANY = [0.22, 0.38, 0.25, 0.09, 0.06]
_LARGE = [0.30, 0.44, 0.19, 0.05, 0.02]
CHILDREN_PROBS = {1: _FEW, 2: _FEW, 3: _MID, 4: _MANY, 5: _FEW, 6: _MANY, 7: _FEW, 8: _LARGE, 9: _MANY, 10: _MID}

# Age range of the youngest child (years on the reference date).
YOUNGEST_AGE = {1: (0, 14), 2: (0, 5), 3: (0, 10), 4: (0, 12), 5: (8, 16), 6: (0, 8),
                7: (11, 16), 8: (0, 14), 9: (8, 15), 10: (3, 15)}

NUMERIC = {
    # mother's mean age at the birth of her first child in the family (sd 4)
    "mother_age_first": [27, 31, 22, 24, 29, 23, 29, 31, 27, 26],
    # mean age of grandmothers at the birth of the parent (young grandparents: groups 3, 4, 6)
    "grandmother_age": [27, 29, 22, 22, 28, 22, 28, 29, 26, 26],
    # share of foreign-language families before the urbanisation factor
    "foreign": [0.08, 0.12, 0.14, 0.14, 0.05, 0.60, 0.04, 0.03, 0.06, 0.12],
    # P(a grandparent or other relative lives in the dwelling)
    "relative_in_dwelling": [0.01, 0.04, 0.02, 0.02, 0.01, 0.20, 0.01, 0.01, 0.03, 0.05],
    # expected moves of the family in the look-back window
    "moves": [3.2, 0.4, 2.6, 1.5, 0.08, 1.0, 0.3, 0.3, 0.8, 1.2],
    # P(grandparents live near, i.e. in the family's municipality)
    "grandparents_near": [0.08, 0.80, 0.50, 0.50, 0.15, 0.50, 0.12, 0.80, 0.50, 0.40],
    # multiplier of grandparent mortality (deaths thin the network in group 5)
    "grandparent_mortality": [1.0, 0.8, 0.6, 0.6, 3.0, 0.8, 1.0, 0.8, 1.5, 1.0],
    # P(distance parent lives near)
    "distance_parent_near": [0.08, 0.5, 0.5, 0.5, 0.15, 0.5, 0.15, 0.5, 0.5, 0.5],
    # P(distance parent has died)
    "distance_parent_dead": [0.01, 0.01, 0.02, 0.02, 0.15, 0.01, 0.01, 0.01, 0.04, 0.02],
    # P(an adult full sibling lives elsewhere) and P(an adult half-sibling lives with the distance parent)
    "sibling_elsewhere": [0.25, 0.05, 0.15, 0.25, 0.30, 0.15, 0.15, 0.10, 0.25, 0.60],
    "half_sibling": [0.30, 0.10, 0.20, 0.25, 0.30, 0.15, 0.30, 0.10, 0.25, 0.50],
    # P(resident parent works at all) and expected unemployment spells in 5 years
    "employed": [0.86, 0.90, 0.40, 0.42, 0.86, 0.42, 0.90, 0.96, 0.40, 0.40],
    "unemployment_spells": [0.30, 0.12, 1.50, 1.30, 0.15, 1.30, 0.10, 0.04, 0.40, 2.00],
    "unemployment_months": [3, 3, 8, 8, 3, 10, 3, 3, 5, 12],
    # P(resident parent on disability pension); students; self-employed
    "disability": [0.01, 0.005, 0.0, 0.0, 0.0, 0.01, 0.0, 0.002, 0.45, 0.02],
    "student": [0.05, 0.03, 0.08, 0.25, 0.03, 0.05, 0.03, 0.02, 0.03, 0.10],
    "self_employed": [0.05, 0.06, 0.01, 0.01, 0.06, 0.03, 0.08, 0.20, 0.02, 0.02],
    # distance parent: tertiary education, student, disability/retirement
    "dp_tertiary": [0.35, 0.4, 0.15, 0.15, 0.35, 0.2, 0.85, 0.4, 0.2, 0.45],
    "dp_student": [0.05, 0.03, 0.05, 0.30, 0.03, 0.03, 0.02, 0.02, 0.05, 0.30],
    "dp_disability": [0.02, 0.01, 0.02, 0.02, 0.03, 0.01, 0.01, 0.01, 0.30, 0.03],
    # family-level benefit clients (and monthly take-up given client)
    "social_assistance": [0.05, 0.01, 0.65, 0.45, 0.02, 0.40, 0.02, 0.003, 0.25, 0.45],
    "housing_allowance": [0.22, 0.04, 0.70, 0.75, 0.22, 0.50, 0.08, 0.01, 0.40, 0.60],
    # person-level conditions (parents / children)
    "psych_parent": [0.25, 0.04, 0.35, 0.25, 0.08, 0.20, 0.06, 0.03, 0.45, 0.25],
    "psych_child": [0.10, 0.02, 0.15, 0.15, 0.06, 0.08, 0.05, 0.02, 0.20, 0.25],
    "neuro_child": [0.06, 0.03, 0.25, 0.22, 0.05, 0.08, 0.04, 0.03, 0.15, 0.10],
    "substance_parent": [0.05, 0.01, 0.30, 0.10, 0.03, 0.15, 0.02, 0.01, 0.15, 0.25],
    "caries_child": [0.15, 0.08, 0.50, 0.50, 0.12, 0.40, 0.10, 0.06, 0.30, 0.30],
    "self_harm": [0.06, 0.003, 0.06, 0.03, 0.01, 0.02, 0.01, 0.002, 0.05, 0.03],
    "injury": [0.15, 0.05, 0.20, 0.10, 0.06, 0.08, 0.05, 0.05, 0.12, 0.10],
    "abortion": [0.10, 0.02, 0.30, 0.10, 0.03, 0.06, 0.03, 0.02, 0.05, 0.06],
    "chronic": [0.10, 0.05, 0.15, 0.15, 0.10, 0.15, 0.05, 0.05, 0.50, 0.15],
    # primary-care visit multiplier (service use)
    "service_use": [1.0, 0.7, 1.8, 1.6, 0.9, 1.5, 0.7, 0.7, 1.8, 1.3],
    # social-care services (family level)
    "cw_open": [0.10, 0.01, 0.45, 0.35, 0.05, 0.30, 0.04, 0.01, 0.20, 0.30],
    "cw_placement": [0.01, 0.001, 0.10, 0.05, 0.01, 0.03, 0.005, 0.001, 0.04, 0.08],
    "family_work": [0.08, 0.03, 0.40, 0.30, 0.04, 0.35, 0.03, 0.02, 0.20, 0.20],
    "home_service": [0.03, 0.03, 0.10, 0.08, 0.02, 0.20, 0.02, 0.02, 0.20, 0.05],
    "disability_service": [0.02, 0.01, 0.05, 0.04, 0.03, 0.03, 0.02, 0.01, 0.25, 0.03],
}

# Highest education of resident parents: basic, upper secondary (3), short-cycle (5),
# bachelor (6), master (7), doctorate (8).
EDU_LEVELS = [2, 3, 5, 6, 7, 8]
EDU_PROBS = {
    1: [0.12, 0.45, 0.05, 0.25, 0.12, 0.01],
    2: [0.05, 0.33, 0.05, 0.31, 0.24, 0.02],
    3: [0.40, 0.50, 0.02, 0.06, 0.02, 0.00],
    4: [0.45, 0.45, 0.02, 0.06, 0.02, 0.00],
    5: [0.08, 0.45, 0.07, 0.25, 0.14, 0.01],
    6: [0.45, 0.40, 0.03, 0.08, 0.04, 0.00],
    7: [0.06, 0.40, 0.07, 0.27, 0.18, 0.02],
    8: [0.02, 0.22, 0.06, 0.30, 0.35, 0.05],
    9: [0.35, 0.50, 0.05, 0.07, 0.03, 0.00],
    10: [0.35, 0.50, 0.03, 0.08, 0.04, 0.00],
}
# Everyone else, by age band (lower bound of band -> probabilities), chosen so that about
# 42 % of 25-64-year-olds hold a tertiary degree (OKM / OECD EaG 2021).
EDU_BY_AGE = {
    18: [0.40, 0.56, 0.00, 0.03, 0.01, 0.00],
    25: [0.10, 0.42, 0.02, 0.28, 0.17, 0.01],
    35: [0.09, 0.43, 0.05, 0.23, 0.18, 0.02],
    45: [0.11, 0.45, 0.12, 0.16, 0.14, 0.02],
    55: [0.18, 0.45, 0.16, 0.10, 0.10, 0.01],
    65: [0.38, 0.36, 0.13, 0.07, 0.05, 0.01],
    75: [0.55, 0.28, 0.09, 0.04, 0.03, 0.01],
}


def param(name: str, group: Column) -> Column:
    """Column holding parameter ``name`` for the family's group."""
    return lookup({g: float(v) for g, v in zip(GROUPS, NUMERIC[name])}, group)


def vector_param(table: dict, index: int, group: Column) -> Column:
    """Column holding entry ``index`` of a per-group probability vector."""
    return lookup({g: float(table[g][index]) for g in GROUPS}, group)


def range_param(table: dict, index: int, group: Column) -> Column:
    return lookup({g: int(table[g][index]) for g in GROUPS}, group)


def validate() -> None:
    """Fail loudly if a probability vector does not sum to 1."""
    for name, table in (("STRUCTURE_PROBS", STRUCTURE_PROBS), ("CHILDREN_PROBS", CHILDREN_PROBS),
                        ("EDU_PROBS", EDU_PROBS), ("EDU_BY_AGE", EDU_BY_AGE)):
        for key, vec in table.items():
            if abs(sum(vec) - 1.0) > 1e-9:
                raise ValueError(f"{name}[{key}] sums to {sum(vec)}, not 1")
    for name, values in NUMERIC.items():
        if len(values) != 10:
            raise ValueError(f"NUMERIC[{name}] must have 10 values (groups 1..10)")


__all__ = ["GROUPS", "STRUCTURES", "param", "vector_param", "range_param", "validate", "F"]
