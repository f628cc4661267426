"""A hand-made pilot's files for `cx-scorecard load`: tiny, with one of each kind of bad row.

October 2026, two locations. Survey rows (RecordedDate is dd/mm/yyyy):
  id 1  L1  05/10/2026  LTR 10   kept
  id 2  L1  2026-10-06  LTR 9    REJECTED: wrong date format
  id 3  L2  07/10/2026  LTR 3    kept
  id 3  L2  07/10/2026  LTR 3    kept: a duplicate response id, counted once (contract rule)
  id 4  L1  08/10/2026  LTR ten  REJECTED: not a number
  id 5  L1  09/10/2026  LTR 9    kept
  id 6  L2  10/10/2026  LTR 8    kept
So the metrics see ids 1, 3, 5, 6 with scores 10, 3, 9, 8: promoters 2 (10, 9), detractors 1 (3),
n = 4, NPS = 100 * (2 - 1) / 4 = 25.
Stores: L1 twice (the second is REJECTED as a duplicate key). Leadership: L2's "Exec owner" is
"Maybe", outside the Yes/No map: REJECTED, so exec ownership is L1's Yes over 1 location = 100%.
"""

from __future__ import annotations

from pathlib import Path

MAPPING = """\
[regions]
source = "regions.csv"
[regions.columns]
region_id = "Code"
region_name = "Region"

[locations]
source = "stores.csv"
[locations.columns]
location_id = "Store"
location_name = "Name"
region_id = "Region"

[survey_responses]
source = "responses.csv"
[survey_responses.columns]
response_id = "ResponseId"
location_id = "StoreCode"
responded_on = { column = "RecordedDate", format = "%d/%m/%Y" }
nps_score = "Q_LTR"
sat_overall = "Q_SAT"
sat_expectations = "Q_EXPECT"
sat_ideal = "Q_IDEAL"

[loyalty_monthly]
source = "loyalty.csv"
[loyalty_monthly.columns]
location_id = "Store"
month = { column = "Month", format = "%Y-%m" }
customers_start = "Start"
customers_retained = "Retained"
new_customers = "New"
referred_new_customers = "Referred"

[leadership_monthly]
source = "leadership.csv"
[leadership_monthly.columns]
location_id = "Store"
month = { column = "Period", format = "%Y-%m" }
exec_owner_assigned = { column = "Exec owner", map = { "Yes" = true, "No" = false } }
leader_listening_hours = "Hours"
leaders = "Leaders"
cx_agenda_minutes = "CX minutes"
meeting_minutes = "Minutes"
detractors_flagged = "Flagged"
detractors_closed_48h = "Closed"

[incentives_monthly]
source = "incentives.csv"
[incentives_monthly.columns]
location_id = "Store"
month = { column = "Month", format = "%Y-%m" }
variable_pay = "Pay"
cx_linked_pay = "CX pay"
cx_target_met = { column = "Met", map = { "Y" = true, "N" = false } }

[culture_monthly]
source = "culture.csv"
[culture_monthly.columns]
location_id = "Store"
month = { column = "Month", format = "%Y-%m" }
pulse_responses = "Pulse"
enps_promoters = "Promoters"
enps_detractors = "Detractors"
recognitions = "Recognitions"
employees = "Employees"
"""

FILES = {
    "regions.csv": "Code,Region\nN,North\nS,South\n",
    "stores.csv": "Store,Name,Region\nL1,Lakeside,N\nL2,Southgate,S\nL1,Lakeside again,N\n",
    "responses.csv": (
        "ResponseId,RecordedDate,StoreCode,Q_LTR,Q_SAT,Q_EXPECT,Q_IDEAL\n"
        "1,05/10/2026,L1,10,9,9,9\n"
        "2,2026-10-06,L1,9,8,8,8\n"
        "3,07/10/2026,L2,3,4,4,4\n"
        "3,07/10/2026,L2,3,4,4,4\n"
        "4,08/10/2026,L1,ten,8,8,8\n"
        "5,09/10/2026,L1,9,9,9,9\n"
        "6,10/10/2026,L2,8,7,7,7\n"
    ),
    "loyalty.csv": "Store,Month,Start,Retained,New,Referred\nL1,2026-10,100,90,10,2\n"
                   "L2,2026-10,50,45,5,1\n",
    "leadership.csv": (
        "Store,Period,Exec owner,Hours,Leaders,CX minutes,Minutes,Flagged,Closed\n"
        "L1,2026-10,Yes,6.0,4,120,600,1,1\n"
        "L2,2026-10,Maybe,3.0,3,60,600,2,1\n"
    ),
    "incentives.csv": "Store,Month,Pay,CX pay,Met\nL1,2026-10,1000,300,Y\nL2,2026-10,800,100,N\n",
    "culture.csv": "Store,Month,Pulse,Promoters,Detractors,Recognitions,Employees\n"
                   "L1,2026-10,20,10,4,12,25\nL2,2026-10,10,3,5,4,12\n",
}

# Source row numbers as a spreadsheet shows them (header = row 1) and the reason for each.
REJECTED = {
    "survey_responses": {3: "RecordedDate: '2026-10-06' does not match %d/%m/%Y",
                         6: "Q_LTR: 'ten' not a number"},
    "locations": {4: "duplicate key (location_id L1): row 2 was kept"},
    "leadership_monthly": {3: "Exec owner: 'Maybe' not in the map ('Yes', 'No')"},
}


def write_pilot(folder: Path, files: dict[str, str | bytes] | None = None,
                mapping: str = MAPPING) -> Path:
    """Write the pilot's files (with `files` overriding some) and return the mapping path."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in (FILES | (files or {})).items():
        path = folder / name
        if isinstance(body, bytes):
            path.write_bytes(body)
        else:
            path.write_text(body, encoding="utf-8")
    path = folder / "mapping.toml"
    path.write_text(mapping, encoding="utf-8")
    return path
