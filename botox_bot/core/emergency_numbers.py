"""Emergency numbers and crisis lines by country, so a clinic sets ``country`` once and never tells a UK
patient to call 911 (clinical review C34). Facts and sources: botox-facts.md section 9.

A clinic's explicit ``emergency_number`` / ``crisis_line`` settings win over this table. With neither set, the
replies say "your local emergency number" (in the reply's language) and ``serve`` warns at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass

_EU = "AT BE BG HR CY CZ DK EE FI FR DE GR HU IT LV LT LU MT NL PL PT RO SK SI ES SE".split()


@dataclass(frozen=True)
class Numbers:
    emergency: str
    crisis: str | None  # None: no crisis line confirmed for this country; replies give the emergency number


COUNTRIES: dict[str, Numbers] = {
    "US": Numbers("911", "988"),  # 988 Suicide & Crisis Lifeline: call or text
    "CA": Numbers("911", "9-8-8"),  # 9-8-8 Suicide Crisis Helpline: call or text
    "GB": Numbers("999", "Samaritans 116 123"),
    "IE": Numbers("112", "Samaritans 116 123"),
    "AU": Numbers("000", "Lifeline 13 11 14"),
    **{code: Numbers("112", None) for code in _EU},
}
COUNTRIES["UK"] = COUNTRIES["GB"]

SOURCES = (
    "https://www.mayoclinic.org/diseases-conditions/stroke/in-depth/health-tip/art-20450579",
    "https://crtc.gc.ca/eng/archive/2018/2018-188.htm",
    "https://www.nidirect.gov.uk/conditions/anaphylaxis",
    "https://www.qld.gov.au/emergency/emergencies-services/assistance/triple-000",
    "https://www.samaritans.org/how-we-can-help/contact-samaritan/",
    "https://www.newswire.ca/news-releases/government-of-canada-launches-three-digit-suicide-crisis-helpline-896472116.html",
    "https://lifelineh2h.org.au/get-help/telephone-crisis-support/faqs/",
)


def numbers_for(country: str | None, emergency: str | None, crisis: str | None) -> tuple[str | None, str | None]:
    """The emergency number and crisis line to use: explicit settings first, then the country's."""
    known = COUNTRIES.get((country or "").upper())
    return emergency or (known.emergency if known else None), crisis or (known.crisis if known else None)
