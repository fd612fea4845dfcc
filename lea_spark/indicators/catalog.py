"""The indicator catalog: the one place that says what every column of
``gold.family_features`` means.

Each :class:`Indicator` has a name (the gold column), the phenomenon it belongs to (one of
the 11 of :data:`PHENOMENA`), a definition, its source tables, its window and its unit.
:mod:`lea_spark.indicators.build` computes exactly these columns, in this order, and fails
if one is missing; ``docs/indicators.md`` is generated from this list
(``python -m lea_spark.indicators.docs``).

Vocabulary used in the definitions (roles of ``silver.family_members``):

* *children*: members with role ``child`` or ``independent_minor``.
* *parents*: the resident parents and step-parents; in a family with neither (a relative
  carer or an independent minor living with other adults) the adults living in the dwelling.
* *household*: everybody living in the family's dwelling (children and resident adults).
* *distance parents*: living parents of a child who live elsewhere.
* *window*: ``lookback`` = the ``project.lookback_years`` years ending on the reference date
  (2018-01-01 .. 2022-12-31 for 2022-12-31 and 5 years); ``recent`` = the
  ``indicators.recent_months`` months ending on it (2022-01-01 .. 2022-12-31 for 12);
  ``reference date`` = the state on that day. Both ends are included.

Every value is a double and never null: missing information gives 0, with a companion flag
where 0 could be mistaken for a value (e.g. ``has_living_grandparent`` for the grandparent
ages, ``has_distance_parent`` for the distance parent's indicators, ``no_parent_in_dwelling``
for the parents' indicators).
"""
from __future__ import annotations

from dataclasses import dataclass

PHENOMENA = (
    "family structure", "social support network", "moves", "livelihood", "employment", "work ability",
    "education", "socio-economic status", "health", "lifestyle", "service use",
)

# The phenomena in the report's languages (Finnish, Swedish).
PHENOMENON_NAMES = {
    "family structure": ("perherakenne", "familjestruktur"),
    "social support network": ("sosiaalinen tukiverkosto", "socialt stödnätverk"),
    "moves": ("muutot", "flyttningar"),
    "livelihood": ("toimeentulo", "försörjning"),
    "employment": ("työllisyys", "sysselsättning"),
    "work ability": ("työkyky", "arbetsförmåga"),
    "education": ("koulutus", "utbildning"),
    "socio-economic status": ("sosioekonominen asema", "socioekonomisk ställning"),
    "health": ("terveys", "hälsa"),
    "lifestyle": ("elintavat", "levnadsvanor"),
    "service use": ("palvelujen käyttö", "användning av tjänster"),
}


@dataclass(frozen=True)
class Indicator:
    name: str
    phenomenon: str
    definition: str
    sources: tuple[str, ...]
    window: str
    unit: str


def _i(name, phenomenon, definition, sources, window, unit):
    return Indicator(name, phenomenon, definition, tuple(sources.split()), window, unit)


FAM = "silver.families"
MEM = "silver.family_members silver.persons"

CATALOG: tuple[Indicator, ...] = (
    # -- family structure
    _i("single_parent", "family structure", "1 when the family has one resident parent or step-parent", FAM, "reference date", "0/1"),
    _i("two_parent", "family structure", "1 when two resident parents are both parents of every child", FAM, "reference date", "0/1"),
    _i("blended_family", "family structure", "1 when two or more parents/step-parents live with the children and some child is not the child of all of them", FAM, "reference date", "0/1"),
    _i("relative_carer_family", "family structure", "1 when no parent lives with the children but a grandparent, adult sibling, aunt or uncle does", FAM, "reference date", "0/1"),
    _i("independent_minor_family", "family structure", "1 when the children live without a parent or an adult relative", FAM, "reference date", "0/1"),
    _i("same_sex_parents", "family structure", "1 when the two parents/step-parents are of the same sex", FAM, "reference date", "0/1"),
    _i("no_parent_in_dwelling", "family structure", "1 when no parent or step-parent lives in the dwelling (flag for the parents' indicators)", FAM, "reference date", "0/1"),
    _i("n_children", "family structure", "number of children under 18 in the family", FAM, "reference date", "count"),
    _i("many_children", "family structure", "1 when the family has 4 or more children", FAM, "reference date", "0/1"),
    _i("n_children_under_7", "family structure", "children under school age (0-6 years)", MEM, "reference date", "count"),
    _i("n_teen_children", "family structure", "children aged 13-17", MEM, "reference date", "count"),
    _i("youngest_child_age", "family structure", "age in full years of the youngest child", MEM, "reference date", "years"),
    _i("oldest_child_age", "family structure", "age in full years of the oldest child", MEM, "reference date", "years"),
    _i("n_children_not_with_own_parent", "family structure", "children none of whose legal parents lives in the dwelling", FAM, "reference date", "count"),
    _i("n_other_adults_in_dwelling", "family structure", "adults in the dwelling who are not parents or step-parents (grandparents, adult siblings, other relatives, others)", MEM, "reference date", "count"),
    _i("relatives_in_dwelling", "family structure", "1 when a grandparent, adult sibling, aunt or uncle lives in the dwelling", MEM, "reference date", "0/1"),
    _i("foreign_language_parent", "family structure", "1 when a parent's mother tongue is other than Finnish, Swedish or Sami (unknown counts as not foreign)", MEM, "reference date", "0/1"),
    _i("mother_under_35", "family structure", "1 when a resident mother (female resident parent) is under 35", MEM, "reference date", "0/1"),
    _i("youngest_parent_age", "family structure", "age of the youngest parent (0 with no_parent_in_dwelling)", MEM, "reference date", "years"),
    # -- social support network
    _i("n_grandparents_alive", "social support network", "living grandparents of the children (through any legal parent)", MEM, "reference date", "count"),
    _i("has_living_grandparent", "social support network", "1 when a grandparent is alive (flag for the grandparent ages)", MEM, "reference date", "0/1"),
    _i("grandparent_near", "social support network", "1 when a living grandparent lives within households.grandparent_near_km of the family's postal-area point (in the dwelling counts as near)", MEM, "reference date", "0/1"),
    _i("grandparents_far", "social support network", "1 when grandparents are alive but none lives near", MEM, "reference date", "0/1"),
    _i("youngest_grandparent_age", "social support network", "age of the youngest living grandparent", MEM, "reference date", "years"),
    _i("grandparent_under_61", "social support network", "1 when a living grandparent is under 61", MEM, "reference date", "0/1"),
    _i("has_distance_parent", "social support network", "1 when a child has a living parent outside the dwelling (flag for the distance parents' indicators)", MEM, "reference date", "0/1"),
    _i("distance_parent_far", "social support network", "1 when a distance parent lives farther than households.distance_parent_far_km", MEM, "reference date", "0/1"),
    _i("distance_parent_km", "social support network", "distance in km to the nearest distance parent with a known residence (haversine between postal-area points)", MEM, "reference date", "km"),
    _i("distance_parent_location_unknown", "social support network", "1 when a living distance parent has no residence in Finland (abroad or unknown)", MEM, "reference date", "0/1"),
    _i("n_siblings_elsewhere", "social support network", "living half or full siblings of the children who live in another dwelling", MEM, "reference date", "count"),
    _i("deaths_in_family", "social support network", "parents, grandparents and siblings of the children who died in the window", MEM, "lookback", "count"),
    # -- moves
    _i("moves", "moves", "moves of the family's children (residence spells that start in the window and are not a child's first), the most of any child", "bronze.residences silver.family_members", "lookback", "count"),
    _i("municipality_moves", "moves", "of those moves, the ones into another municipality (most of any child)", "bronze.residences silver.family_members", "lookback", "count"),
    _i("distance_parent_left", "moves", "1 when a distance parent lived in the same dwelling as a child of the family at some time in the window", "bronze.residences silver.family_members", "lookback", "0/1"),
    # -- livelihood
    _i("social_assistance_months_recent", "livelihood", "months in which a household member received basic social assistance", "bronze.social_assistance silver.family_members", "recent", "months"),
    _i("social_assistance_months", "livelihood", "months in which a household member received basic social assistance", "bronze.social_assistance silver.family_members", "lookback", "months"),
    _i("housing_allowance_months_recent", "livelihood", "months in which a household member received general housing allowance", "bronze.housing_allowance silver.family_members", "recent", "months"),
    _i("housing_allowance_months", "livelihood", "months in which a household member received general housing allowance", "bronze.housing_allowance silver.family_members", "lookback", "months"),
    _i("household_earnings_eur", "livelihood", "earned income of the household (Incomes Register, excluding study grants and pensions)", "bronze.earnings silver.family_members", "recent", "EUR"),
    _i("earnings_per_consumption_unit", "livelihood", "household earnings per OECD modified consumption unit (1 + 0.5 per other member aged 14+ + 0.3 per child under 14)", "bronze.earnings silver.family_members silver.persons", "recent", "EUR"),
    _i("low_income", "livelihood", "1 when earnings per consumption unit are below indicators.low_income_share_of_median of the median over all families", "bronze.earnings silver.family_members", "recent", "0/1"),
    # -- employment
    _i("parents_employed_share", "employment", "share of parents with employment income in at least 6 months", "bronze.earnings silver.family_members", "recent", "share"),
    _i("parents_unemployment_days", "employment", "calendar days of unemployment benefit spells of the parents (each parent at most the window's length)", "bronze.unemployment silver.family_members", "recent", "days"),
    _i("parents_unemployment_months", "employment", "months (days / 30.4375) of unemployment benefit spells of the parents", "bronze.unemployment silver.family_members", "lookback", "months"),
    _i("unemployed_parent", "employment", "1 when a parent had an unemployment benefit spell", "bronze.unemployment silver.family_members", "recent", "0/1"),
    _i("student_parent", "employment", "1 when a parent received a study grant (income types indicators.study_income_types)", "bronze.earnings silver.family_members", "recent", "0/1"),
    _i("distance_parent_student", "employment", "1 when a distance parent received a study grant", "bronze.earnings silver.family_members", "recent", "0/1"),
    _i("distance_parent_earnings_eur", "employment", "earned income of the distance parents", "bronze.earnings silver.family_members", "recent", "EUR"),
    # -- work ability
    _i("parent_disability_pension", "work ability", "1 when a parent had a full disability pension (ETK code 0)", "bronze.pensions silver.family_members", "recent", "0/1"),
    _i("parent_partial_disability_pension", "work ability", "1 when a parent had a partial disability pension (code 2)", "bronze.pensions silver.family_members", "recent", "0/1"),
    _i("parent_rehabilitation_subsidy", "work ability", "1 when a parent had a rehabilitation subsidy (code 0K)", "bronze.pensions silver.family_members", "recent", "0/1"),
    _i("old_age_pension_in_household", "work ability", "1 when a household member had an old-age pension (code 5)", "bronze.pensions silver.family_members", "recent", "0/1"),
    _i("distance_parent_retired", "work ability", "1 when a distance parent had an old-age or full disability pension (codes 5, 0)", "bronze.pensions silver.family_members", "recent", "0/1"),
    # -- education
    _i("parent_max_isced", "education", "highest ISCED 2011 level of the parents' degrees completed by the reference date; 2 (basic) when none is registered", "bronze.degrees silver.family_members", "reference date", "level"),
    _i("parent_low_education", "education", "1 when no parent has a degree above basic education (ISCED <= 2)", "bronze.degrees silver.family_members", "reference date", "0/1"),
    _i("parent_higher_education", "education", "1 when a parent has a bachelor's level degree or higher (ISCED >= 6)", "bronze.degrees silver.family_members", "reference date", "0/1"),
    _i("distance_parent_max_isced", "education", "highest ISCED level of the distance parents (2 when none registered; 0 without distance parent)", "bronze.degrees silver.family_members", "reference date", "level"),
    _i("distance_parent_higher_education", "education", "1 when a distance parent has ISCED >= 6", "bronze.degrees silver.family_members", "reference date", "0/1"),
    _i("distance_parent_more_educated", "education", "1 when a distance parent's highest level is above the parents'", "bronze.degrees silver.family_members", "reference date", "0/1"),
    # -- socio-economic status
    _i("parent_upper_white_collar", "socio-economic status", "1 when a parent earned income in an occupation of major group 1 or 2 (managers, professionals)", "bronze.earnings silver.family_members", "recent", "0/1"),
    _i("parent_entrepreneur", "socio-economic status", "1 when a parent had self-employment income", "bronze.earnings silver.family_members", "recent", "0/1"),
    _i("distance_parent_upper_white_collar", "socio-economic status", "1 when a distance parent worked in major group 1 or 2", "bronze.earnings silver.family_members", "recent", "0/1"),
    _i("distance_parent_entrepreneur", "socio-economic status", "1 when a distance parent had self-employment income", "bronze.earnings silver.family_members", "recent", "0/1"),
    # -- health (diagnoses: care episodes main/secondary/external cause, primary-care ICD-10 and ICPC-2)
    _i("children_psychiatric_dx", "health", "children with a psychiatric diagnosis (ICD-10 F00-F09, F20-F79, F99; ICPC-2 P70-P80, P82, P98, P99)", "bronze.care_episodes bronze.primary_care_visits", "lookback", "count"),
    _i("children_neuropsychiatric_dx", "health", "children with a neuropsychiatric/developmental diagnosis (F80-F98; ICPC-2 P24, P81, P85)", "bronze.care_episodes bronze.primary_care_visits", "lookback", "count"),
    _i("parents_psychiatric_dx", "health", "parents with a psychiatric diagnosis (as for children)", "bronze.care_episodes bronze.primary_care_visits", "lookback", "count"),
    _i("distance_parents_psychiatric_dx", "health", "distance parents with a psychiatric or neuropsychiatric diagnosis", "bronze.care_episodes bronze.primary_care_visits", "lookback", "count"),
    _i("self_harm_or_violence", "health", "household members with self-harm or assault as a diagnosis or external cause (X60-Y09)", "bronze.care_episodes bronze.primary_care_visits", "lookback", "count"),
    _i("injuries", "health", "household members with an injury diagnosis (S00-T14)", "bronze.care_episodes bronze.primary_care_visits", "lookback", "count"),
    _i("children_caries", "health", "children with dental caries (K02)", "bronze.care_episodes bronze.primary_care_visits", "lookback", "count"),
    _i("abortions", "health", "induced abortions of the parents (O04-O07), distinct dates", "bronze.care_episodes bronze.primary_care_visits", "lookback", "count"),
    # -- lifestyle
    _i("parents_substance_use", "lifestyle", "parents with a substance-use diagnosis (F10-F19, K70, T40, T51; ICPC-2 P15-P19) or substance-abuse services", "bronze.care_episodes bronze.primary_care_visits bronze.social_care_episodes", "lookback", "count"),
    _i("distance_parents_substance_use", "lifestyle", "distance parents with substance use (as for parents)", "bronze.care_episodes bronze.primary_care_visits bronze.social_care_episodes", "lookback", "count"),
    # -- service use
    _i("child_welfare_children", "service use", "children in child-welfare open care or placement (CW_OPEN, CW_PLACEMENT)", "bronze.social_care_episodes", "lookback", "count"),
    _i("child_welfare_placement", "service use", "children placed outside the home (CW_PLACEMENT)", "bronze.social_care_episodes", "lookback", "count"),
    _i("family_work", "service use", "1 when a household member had family work (FAMILY_WORK)", "bronze.social_care_episodes", "lookback", "0/1"),
    _i("other_social_services", "service use", "episodes of home service, disability services or adult social work in the household", "bronze.social_care_episodes", "lookback", "count"),
    _i("primary_care_visits_rate", "service use", "primary-care visits per household member and year", "bronze.primary_care_visits", "lookback", "visits/person-year"),
    _i("children_primary_care_visits_rate", "service use", "primary-care visits per child and year", "bronze.primary_care_visits", "lookback", "visits/person-year"),
    _i("children_dental_visits_rate", "service use", "dental visits (profession 2222 dentist or 3225 dental hygienist) per child and year", "bronze.primary_care_visits", "lookback", "visits/person-year"),
    _i("specialised_care_episodes_rate", "service use", "specialised care episodes (Hilmo) per household member and year", "bronze.care_episodes", "lookback", "episodes/person-year"),
    _i("psychiatric_care_episodes", "service use", "specialised psychiatric care episodes (specialty 70, 74, 75) of household members", "bronze.care_episodes", "lookback", "count"),
)

NAMES = tuple(i.name for i in CATALOG)
KEY_COLUMNS = ("family_id", "reference_period", "reference_date", "municipality_code", "postal_code",
               "wellbeing_county_code")


def by_name(name: str) -> Indicator:
    for i in CATALOG:
        if i.name == name:
            return i
    raise KeyError(f"no indicator named {name!r} in the catalog")
