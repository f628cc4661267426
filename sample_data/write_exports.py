"""Write the demo as a pilot team would receive it: a survey-platform export and monthly sheets.

The files in `sample_data/exports/` come from this script (`python -m sample_data.write_exports`)
at a small scale so they stay small enough to commit; `exports/mapping.toml` loads them with
`cx-scorecard load`. They carry the platform's own column names, a dd/mm/yyyy date, "Yes"/"No" and
"Y"/"N" answers, an Excel sheet with real date cells, and the demo's planted dirt (out-of-range
scores, skipped answers, duplicate responses), so a load gives exactly the demo's warehouse.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path

import pandas as pd

from sample_data.generate import DEFAULT_SEED, Demo, generate

EXPORT_SCALE = 0.02  # ~22k responses: the committed files stay around 4 MB
HERE = Path(__file__).resolve().parent / "exports"
FIXED_TIME = datetime(2026, 11, 1)  # workbook metadata, so a rewrite gives the same file


def _csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, lineterminator="\n")


def _yes_no(values: pd.Series, yes: str, no: str) -> pd.Series:
    return values.map({True: yes, False: no})


def survey_export(demo: Demo) -> pd.DataFrame:
    """Responses as a survey platform exports them (skipped answers are empty cells)."""
    parts = []
    for chunk in demo.iter_survey_chunks():
        parts.append(pd.DataFrame({
            "ResponseId": chunk["response_id"],
            "RecordedDate": chunk["responded_on"].dt.strftime("%d/%m/%Y"),
            "StoreCode": chunk["location_id"],
            "Finished": "True",
            "Q_LTR": chunk["nps_score"],
            "Q_SAT": chunk["sat_overall"],
            "Q_EXPECT": chunk["sat_expectations"],
            "Q_IDEAL": chunk["sat_ideal"],
            "Journey": chunk["journey"].map({"sales": "Sales", "service": "Service"}),
        }))
    return pd.concat(parts, ignore_index=True)


def touchpoints_export(demo: Demo) -> pd.DataFrame:
    """The platform's touchpoint answers (issue 28), one row per response and question."""
    parts = [demo.items_chunk(m, chunk) for m, chunk in enumerate(demo.iter_survey_chunks())]
    frame = pd.concat(parts, ignore_index=True)
    return pd.DataFrame({"ResponseId": frame["response_id"], "Question": frame["item"],
                         "Answer": frame["score"]})


def comments_export(demo: Demo) -> pd.DataFrame:
    """The platform's free-text answers, one row per response that wrote one."""
    parts = [demo.comment_chunk(m, chunk) for m, chunk in enumerate(demo.iter_survey_chunks())]
    frame = pd.concat(parts, ignore_index=True)
    return pd.DataFrame({"ResponseId": frame["response_id"], "Q_WHY": frame["comment"]})


def sheets(demo: Demo) -> dict[str, pd.DataFrame]:
    """Every file except the Excel one, named as it is written."""
    m = demo.monthly
    loy, lead, inc = m["loyalty_monthly"], m["leadership_monthly"], m["incentives_monthly"]
    return {
        "regions.csv": demo.dims["regions"].rename(
            columns={"region_id": "Code", "region_name": "Region"}),
        "stores.csv": demo.dims["locations"].rename(columns={
            "location_id": "Dealer code", "location_name": "Dealer name",
            "region_id": "Region code", "latitude": "Lat", "longitude": "Long"}),
        "responses.csv": survey_export(demo),
        "comments.csv": comments_export(demo),
        "touchpoints.csv": touchpoints_export(demo),
        "loyalty.csv": pd.DataFrame({
            "Store": loy["location_id"], "Month": loy["month"].dt.strftime("%Y-%m"),
            "Customers at start": loy["customers_start"],
            "Customers retained": loy["customers_retained"],
            "New customers": loy["new_customers"],
            "Referred new customers": loy["referred_new_customers"]}),
        "leadership.csv": pd.DataFrame({
            "Store": lead["location_id"], "Period": lead["month"].dt.strftime("%Y-%m"),
            "Exec owner": _yes_no(lead["exec_owner_assigned"], "Yes", "No"),
            "Listening hours": lead["leader_listening_hours"], "Leaders": lead["leaders"],
            "CX agenda minutes": lead["cx_agenda_minutes"],
            "Meeting minutes": lead["meeting_minutes"],
            "Detractors flagged": lead["detractors_flagged"],
            "Closed within 48h": lead["detractors_closed_48h"]}),
        "incentives.csv": pd.DataFrame({
            "Store": inc["location_id"], "Month": inc["month"].dt.strftime("%m/%Y"),
            "Variable pay": inc["variable_pay"], "CX-linked pay": inc["cx_linked_pay"],
            "CX target met": _yes_no(inc["cx_target_met"], "Y", "N")}),
    }


def culture_sheet(demo: Demo) -> pd.DataFrame:
    c = demo.monthly["culture_monthly"]
    return pd.DataFrame({
        "Store": c["location_id"], "Month": c["month"], "Pulse responses": c["pulse_responses"],
        "eNPS promoters": c["enps_promoters"], "eNPS detractors": c["enps_detractors"],
        "Recognitions": c["recognitions"], "Headcount": c["employees"]})


def write_xlsx(frame: pd.DataFrame, path: Path, sheet: str) -> None:
    """One sheet, dates as real Excel date cells (what HR's spreadsheet holds). Written in
    openpyxl's normal mode, which records the sheet's size as Excel does (write-only mode
    leaves it out, and a reader then scans the whole sheet just to learn it)."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.properties.created = wb.properties.modified = FIXED_TIME
    ws = wb.active
    ws.title = sheet
    ws.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        ws.append([v.to_pydatetime() if isinstance(v, pd.Timestamp)
                   else (v.item() if hasattr(v, "item") else v) for v in row])
    dates = [i for i, c in enumerate(frame.columns, start=1)
             if pd.api.types.is_datetime64_any_dtype(frame[c])]
    for col in dates:
        for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
            cell.number_format = "yyyy-mm-dd"
    wb.save(path)


def write_exports(out: Path = HERE, scale: float = EXPORT_SCALE, seed: int = DEFAULT_SEED
                  ) -> list[Path]:
    """Write every export file into `out` (the mapping is hand-written and committed)."""
    out.mkdir(parents=True, exist_ok=True)
    demo = generate(scale, seed)
    written = []
    for name, frame in sheets(demo).items():
        _csv(frame, out / name)
        written.append(out / name)
    write_xlsx(culture_sheet(demo), out / "culture.xlsx", "Pulse")
    written.append(out / "culture.xlsx")
    return written


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=HERE)
    p.add_argument("--scale", type=float, default=EXPORT_SCALE)
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = p.parse_args(argv)
    for path in write_exports(args.out, args.scale, args.seed):
        print(f"{path}  {path.stat().st_size:>10,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
