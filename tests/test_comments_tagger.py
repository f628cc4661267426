"""Tagging comments (queries/text): hand-labelled comments for every theme and sentiment,
negation, sarcasm, two themes, misspellings, empty and emoji-only text; the validation set's bar;
masking; the codeframe file; `themes --tag`."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from benchmarks.comments import labelled, score
from cli import main as cli
from queries.text import codeframe
from queries.text.pii import mask
from queries.text.tagger import Tagger, tag

# (comment, themes, sentiment): written by hand, one or more per theme and sentiment.
HAND = [
    ("Waited three hours for an oil change.", {"wait_time"}, "negative"),
    ("In and out in 30 minutes, impressive.", {"wait_time"}, "positive"),
    ("The bill was $300 more than the estimate.", {"price_fees"}, "negative"),
    ("Fair price for good work.", {"price_fees", "repair_quality"}, "positive"),
    ("The service advisor was rude and dismissive.", {"staff_courtesy"}, "negative"),
    ("Everyone was so welcoming and polite.", {"staff_courtesy"}, "positive"),
    ("Nobody called to tell me the car was ready.", {"communication"}, "negative"),
    ("They kept me updated by text all day.", {"communication"}, "positive"),
    ("The same noise came back a week later.", {"repair_quality"}, "negative"),
    ("Fixed right the first time.", {"repair_quality"}, "positive"),
    ("The restroom was filthy.", {"facility"}, "negative"),
    ("Clean lounge and good coffee.", {"facility"}, "positive"),
    ("Way too many forms in the finance office.", {"process_paperwork"}, "negative"),
    ("The paperwork was quick and easy.", {"process_paperwork", "wait_time"}, "positive"),
    ("My new car had a scratch when I picked it up.", {"vehicle_delivery"}, "negative"),
    ("They washed it and it was spotless at pickup.", {"vehicle_delivery"}, "positive"),
    ("The salesman was pushy about the extended warranty.", {"pressure_honesty"}, "negative"),
    ("No pressure at all, very honest.", {"pressure_honesty"}, "positive"),
    ("Could not get an appointment for three weeks.", {"scheduling"}, "negative"),
    ("Booking online was easy.", {"scheduling"}, "positive"),
    # negation
    ("The staff were not rude at all.", {"staff_courtesy"}, "positive"),
    ("No wait at all.", {"wait_time"}, "positive"),
    ("Not impressed.", set(), "negative"),
    ("Mike never tries to upsell me.", {"pressure_honesty"}, "positive"),
    # sarcasm
    ("Oh great, another two hours in the lounge. Thanks for nothing.",
     {"wait_time", "facility"}, "negative"),
    ("I love how they always find something else to sell me.", {"pressure_honesty"}, "negative"),
    # two themes in one sentence; mixed
    ("The advisor was rude and the bill was double the quote.",
     {"staff_courtesy", "price_fees"}, "negative"),
    ("Friendly staff but the wait was way too long.", {"staff_courtesy", "wait_time"}, "mixed"),
    # misspellings
    ("Wiating time was awful.", {"wait_time"}, "negative"),
    ("Couldnt get an apointment for weeks.", {"scheduling"}, "negative"),
    ("advisor was rdue", {"staff_courtesy"}, "negative"),
    ("overpryced oil change", {"price_fees"}, "negative"),
    ("sooooo slooow", {"wait_time"}, "negative"),
    # nothing to tag
    ("", set(), "neutral"),
    ("   ", set(), "neutral"),
    ("n/a", set(), "neutral"),
    ("😡😡", set(), "negative"),
    ("👍", set(), "positive"),
    ("Can't wait to come back!", set(), "positive"),
    ("Tire pressure light fixed.", {"repair_quality"}, "positive"),
]


@pytest.mark.parametrize(("text", "themes", "sentiment"), HAND, ids=[h[0][:30] for h in HAND])
def test_hand_labelled_comments_are_tagged_right(text, themes, sentiment):
    got = tag(text)
    assert set(got.themes) == themes
    assert got.sentiment == sentiment


def test_none_is_an_empty_comment():
    assert tag(None) == tag("")


def test_the_validation_set_clears_the_bar():
    """222 comments never used to write a rule: macro-F1 >= 0.75 over the ten themes, sentiment
    >= 70% (docs/comments.md has the table)."""
    rows = labelled()
    assert len(rows) >= 200
    s = score(rows)
    assert s.macro_f1 >= 0.75, s.per_theme
    assert s.sentiment_accuracy >= 0.70
    assert min(f for _, _, f, _ in s.per_theme.values()) >= 0.6


def test_the_codeframe_ships_the_ten_fixed_themes():
    cf = codeframe.load(codeframe.DEFAULT_PATH)
    assert cf.ids == codeframe.DEFAULT_IDS
    assert cf.version


def test_a_broken_codeframe_names_the_line(write_toml):
    path = write_toml('version = "1"\n[[themes]]\nid = "Bad Id"\nlabel = "x"\nshort = "x"\n'
                      'patterns = ["(unclosed"]\n', "cf.toml")
    with pytest.raises(codeframe.CodeframeError) as err:
        codeframe.parse(path)
    assert "patterns" in str(err.value) and "(unclosed" in str(err.value)


def test_a_long_comment_is_tagged_on_its_start_quickly():
    text = "The wait was terrible. " + "x" * 10_000
    got = tag(text)
    assert got.themes == ("wait_time",) and got.sentiment == "negative"


def test_email_addresses_and_phone_numbers_are_masked():
    text = ("call me at (555) 123-4567 or +1 312.555.0199, mail jo.doe+cx@example.com or "
            "jo at example dot com; it cost $450 in 2 hours")
    out = mask(text)
    for secret in ("123-4567", "555.0199", "jo.doe", "example.com"):
        assert secret not in out
    assert "[phone]" in out and "[e-mail]" in out and "$450" in out and "2 hours" in out


def test_tag_a_csv(tmp_path: Path, capsys):
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text("id,comment\n1,Waited forever and the staff were rude\n=2+2,\n"
                   "3,\"Great, quick service! call 555-123-4567\"\n", encoding="utf-8")
    assert cli.main(["themes", "--tag", str(src), "--out", str(out)]) == 0
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["id", "themes", "sentiment"]
    assert rows[1] == ["1", "wait_time;staff_courtesy", "negative"]
    assert rows[2] == ["'=2+2", "", "neutral"]  # a formula id is quoted; an empty comment
    assert rows[3][2] == "positive" and "555" not in out.read_text(encoding="utf-8")


def test_tag_a_csv_without_a_comment_column_is_refused(tmp_path: Path, capsys):
    src = tmp_path / "in.csv"
    src.write_text("id,text\n1,hello\n", encoding="utf-8")
    assert cli.main(["themes", "--tag", str(src), "--out", str(tmp_path / "o.csv")]) == 2
    assert "id and comment" in capsys.readouterr().err
    assert not (tmp_path / "o.csv").exists()


def test_the_tagger_follows_another_codeframe(write_toml):
    path = write_toml('version = "team-1"\n[[themes]]\nid = "loaner"\nlabel = "Loaner cars"\n'
                      'short = "loaners"\nwords = ["loaner"]\n', "cf.toml")
    t = Tagger(codeframe.parse(path))
    assert t.tag("No loaner car was available").themes == ("loaner",)
