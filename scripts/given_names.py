"""Write configs/given_names.tsv: given names and their gender, from Faker's person providers.

Faker (MIT licence, https://github.com/joke2k/faker) lists the common given names of each
locale as male and female; this merges the locales newsmon's languages are written in.
Run it after ``pip install faker`` (it is not a dependency of newsmon: the list ships as a
file): ``python scripts/given_names.py``.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import faker  # type: ignore[import-not-found]  # not a dependency: see the docstring

LOCALES = (
    "en_US en_GB en_IE en_CA en_AU en_IN de_DE de_AT de_CH fr_FR fr_CH fr_CA es_ES es_MX es_CO "
    "es_AR es_CL it_IT pt_PT pt_BR nl_NL nl_BE pl_PL cs_CZ sk_SK hu_HU ro_RO hr_HR sl_SI sv_SE "
    "no_NO da_DK fi_FI et_EE lv_LV lt_LT tr_TR ru_RU uk_UA bg_BG el_GR ka_GE az_AZ id_ID fil_PH"
).split()
OUT = Path(__file__).resolve().parent.parent / "configs" / "given_names.tsv"


def main() -> None:
    genders: dict[str, set[str]] = {}
    for locale in LOCALES:
        try:
            provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        except ModuleNotFoundError:
            continue
        for attribute, gender in (("first_names_male", "m"), ("first_names_female", "f")):
            for name in getattr(provider, attribute, ()):
                name = str(name).strip()
                if name and " " not in name and name[0].isupper() and len(name) >= 2:
                    genders.setdefault(name, set()).add(gender)
    lines = [
        f"# Given names and their gender (m, f, or u: both), from Faker {faker.VERSION}'s person",
        "# providers (MIT licence, https://github.com/joke2k/faker), locales merged by",
        "# scripts/given_names.py. Desks may add lines: name<TAB>m|f|u.",
    ]
    for name in sorted(genders):
        found = genders[name]
        lines.append(f"{name}\t{next(iter(found)) if len(found) == 1 else 'u'}")
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(genders)} given names -> {OUT}")


if __name__ == "__main__":
    main()
