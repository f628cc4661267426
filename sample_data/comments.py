"""The demo's comments: what its customers write in answer to "why did you give that score?".

Drawn from their own random streams (`_rng(seed, 7, month)`), after the survey rows, so no other
table moves. Detractors complain, promoters praise, passives do both ("friendly staff but the
wait was long"); some name two themes, some none ("ok", an emoji); a few misspell, write in
lower case, or leave a phone number or an e-mail address (masked wherever a comment is shown).

Planted truths (`truth["comments"]`), for the page to find:
1. Midwest's detractors complain about waiting about three times as often as elsewhere, so
   waiting is their top theme.
2. One busy location (outside Midwest) sells hard: its detractors and passives name pressure
   selling in most of their comments.
3. Price complaints rise by half across the company in the last three months.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

COMMENT_MONTHS = 24  # customers comment in the demo's last 24 months
RATE = (0.62, 0.38, 0.42)  # share of detractors, passives and promoters who write something
THEMES = ("wait_time", "price_fees", "staff_courtesy", "communication", "repair_quality",
          "facility", "process_paperwork", "vehicle_delivery", "pressure_honesty", "scheduling")
# How often a complaint names each theme (detractors), before the planted effects.
WEIGHTS = np.array([0.15, 0.15, 0.10, 0.15, 0.13, 0.05, 0.07, 0.05, 0.06, 0.09])
MIDWEST, MIDWEST_WAIT = "MW", 3.5
PRESSURE_FACTOR = 40.0  # most of its unhappy customers name pressure selling
PRICE_RISE, PRICE_MONTHS = 1.5, 3

NEGATIVE: dict[str, tuple[str, ...]] = {
    "wait_time": (
        "waited {h} hours for a simple oil change", "took forever to get my car back",
        "sat in the lounge for {h} hours with no end in sight", "the service took way too long",
        "{h} hours for a tire rotation is ridiculous",
        "my car sat there {d} days before anyone looked at it",
        "the wait was unacceptable", "it was a very long wait even with an appointment",
        "promised one hour, it took {h} hours", "slow, slow, slow"),
    "price_fees": (
        "way overpriced for what they did", "the bill was ${amt} more than the quote",
        "charged me a ${fee} diagnostic fee on top of everything", "prices are a rip off",
        "too expensive compared to the shop down the road", "hidden fees showed up on the invoice",
        "${amt} for a brake job is crazy", "labor rates are through the roof"),
    "staff_courtesy": (
        "the service advisor was rude", "nobody greeted me when I walked in",
        "{name} at the front desk was dismissive and short with me",
        "staff acted like I was bothering them", "the manager was condescending",
        "the receptionist ignored me for ten minutes"),
    "communication": (
        "nobody called to tell me the car was ready", "I had to call {n} times to get an update",
        "no one explained what they actually did", "they never called me back",
        "got no updates all day", "left me in the dark about the delay",
        "my voicemails went unanswered"),
    "repair_quality": (
        "the same problem came back a week later", "they did not fix the noise",
        "check engine light is still on", "had to bring it back {n} times for the same issue",
        "the repair was sloppy and a panel is loose", "they misdiagnosed the problem twice"),
    "facility": (
        "the waiting room was dirty", "the restroom was disgusting", "no wifi in the lounge",
        "nowhere to park", "the lounge was crowded and loud",
        "the coffee machine was broken again"),
    "process_paperwork": (
        "the paperwork took forever", "finance office kept us there for {h} hours signing forms",
        "check-in was a mess", "the process was disorganized", "they lost my paperwork"),
    "vehicle_delivery": (
        "my car came back dirty", "the new car had a scratch when I picked it up",
        "grease on the seat when I got it back", "they handed over the car with an empty tank",
        "nobody showed me how anything works at delivery"),
    "pressure_honesty": (
        "the salesman was pushy", "they tried to upsell me on things I did not need",
        "felt pressured to buy the extended warranty", "they lied about what the warranty covers",
        "hard sell on every visit", "I don't trust them, they always find something else to sell"),
    "scheduling": (
        "could not get an appointment for {w} weeks", "they lost my appointment",
        "had to reschedule twice", "the online booking never works",
        "no appointments available for weeks"),
}
POSITIVE: dict[str, tuple[str, ...]] = {
    "wait_time": ("in and out in {m} minutes", "the service was quick",
                  "car was ready on time", "fast service", "done quicker than promised"),
    "price_fees": ("fair price", "the price was exactly what they quoted",
                   "reasonable prices", "good value for the money"),
    "staff_courtesy": ("{name} was very friendly", "the staff were courteous and helpful",
                       "everyone was so welcoming", "the advisor was polite and patient"),
    "communication": ("they kept me updated by text", "{name} explained everything clearly",
                      "great communication", "they called as soon as it was ready"),
    "repair_quality": ("fixed right the first time", "the noise is finally gone",
                       "excellent work on the repair", "they found the problem quickly"),
    "facility": ("the lounge was clean and comfortable", "nice waiting area with good coffee",
                 "spotless facility"),
    "process_paperwork": ("the paperwork was quick and easy", "smooth check-in",
                          "the buying process was painless"),
    "vehicle_delivery": ("the car was washed and spotless when I picked it up",
                         "great delivery, they walked me through all the features"),
    "pressure_honesty": ("no pressure at all", "honest about what needed doing and what could wait",
                         "never tried to upsell me"),
    "scheduling": ("easy to book online", "they fit me in the same day",
                   "got an appointment right away"),
}
GENERIC = {
    "negative": ("Terrible experience.", "Not happy.", "Worst dealership I've dealt with.",
                 "Very disappointed.", "Won't be back.", "👎"),
    "positive": ("Great experience, thank you!", "Excellent as always.", "Love this dealership.",
                 "Highly recommend!", "Five stars.", "👍👍"),
    "neutral": ("ok", "Nothing to add.", "n/a", "It was fine I guess", "No comment"),
}
NAMES = ("Mike", "Sarah", "Jose", "Priya", "Tom", "Linda", "Kevin", "Aisha", "Dave", "Maria")
PII = ("Call me at 555-{a:03d}-{b:04d}.", "Email me: customer{a}@example.com",
       "my number is (312) {a:03d}-{b:04d}")


def pressure_location(rng: np.random.Generator, location_ids: list[str],
                      region_ids: list[str], sizes: np.ndarray) -> str:
    """The planted hard-selling location: one of the 20 busiest outside Midwest (enough
    detractors to find it in a small demo), drawn from `rng`, its own stream."""
    order = np.argsort(-np.asarray(sizes), kind="stable")
    pool = [location_ids[i] for i in order if region_ids[i] != MIDWEST][:20]
    return pool[int(rng.integers(0, len(pool)))]


def _fill(rng: np.random.Generator, text: str) -> str:
    if "{" not in text:
        return text
    return text.format(h=int(rng.integers(2, 6)), d=int(rng.integers(2, 5)),
                       amt=int(rng.integers(15, 90)) * 10, fee=int(rng.integers(6, 20)) * 10,
                       name=NAMES[int(rng.integers(0, len(NAMES)))], n=int(rng.integers(2, 5)),
                       w=int(rng.integers(2, 5)), m=int(rng.integers(25, 55)))


def _themes(rng: np.random.Generator, weights: np.ndarray, k: int) -> list[int]:
    p = weights / weights.sum()
    return [int(i) for i in rng.choice(len(THEMES), size=k, replace=False, p=p)]


def _misspell(rng: np.random.Generator, text: str) -> str:
    """Swap two letters of one longer word, as a hurried typist does."""
    words = text.split(" ")
    long = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
    if not long:
        return text
    i = long[int(rng.integers(0, len(long)))]
    w = words[i]
    j = int(rng.integers(1, len(w) - 2))
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    return " ".join(words)


def _sentence(parts: list[str]) -> str:
    text = parts[0][0].upper() + parts[0][1:]
    return text + "".join(f", and {p}" if i == 1 and len(parts) == 2 else f". {p[0].upper()}{p[1:]}"
                          for i, p in enumerate(parts[1:], start=1)) + "."


def _write(rng: np.random.Generator, kind: int, weights: np.ndarray) -> str:
    """One comment: kind 0 detractor, 1 passive, 2 promoter."""
    u = rng.random()
    if kind == 0:
        if u < 0.08:
            return GENERIC["negative"][int(rng.integers(0, 6))]
        k = 2 if u > 0.72 else 1
        parts = [_fill(rng, _pick(rng, NEGATIVE[THEMES[t]])) for t in _themes(rng, weights, k)]
        return _sentence(parts)
    if kind == 1:
        if u < 0.15:
            return GENERIC["neutral"][int(rng.integers(0, 5))]
        bad, good = _themes(rng, weights, 2)
        neg = _fill(rng, _pick(rng, NEGATIVE[THEMES[bad]]))
        pos = _fill(rng, _pick(rng, POSITIVE[THEMES[good]]))
        if u < 0.55:
            return _sentence([f"{pos} but {neg}"])
        return _sentence([neg]) if u < 0.8 else _sentence([pos])
    if u < 0.3:
        return GENERIC["positive"][int(rng.integers(0, 6))]
    flat = np.ones(len(THEMES))
    k = 2 if u > 0.75 else 1
    return _sentence([_fill(rng, _pick(rng, POSITIVE[THEMES[t]])) for t in _themes(rng, flat, k)])


def _pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(0, len(options)))]


def comments(rng: np.random.Generator, survey: pd.DataFrame, region_of: dict[str, str],
             pressure: str, price_rise: bool) -> pd.DataFrame:
    """survey_comments rows for one month's survey rows (duplicated rows comment once)."""
    first = survey.drop_duplicates("response_id")
    score = first["nps_score"].to_numpy(dtype="float64", na_value=np.nan)
    kind = np.where(score <= 6, 0, np.where(score >= 9, 2, 1))
    valid = ~np.isnan(score) & (score >= 0) & (score <= 10)
    writes = valid & (rng.random(len(first)) < np.array(RATE)[kind])
    ids, locs = first["response_id"].to_numpy(), first["location_id"].to_numpy(dtype=object)
    out_ids, out_text = [], []
    for i in np.flatnonzero(writes):
        w = WEIGHTS.copy()
        if region_of.get(locs[i]) == MIDWEST:
            w[0] *= MIDWEST_WAIT
        if locs[i] == pressure:
            w[8] *= PRESSURE_FACTOR
        if price_rise:
            w[1] *= PRICE_RISE
        text = _write(rng, int(kind[i]), w)
        v = rng.random()
        if v < 0.04:
            text = _misspell(rng, text)
        elif v < 0.10:
            text = text.lower().rstrip(".")
        elif v < 0.11:
            text += " " + PII[int(rng.integers(0, len(PII)))].format(
                a=int(rng.integers(100, 999)), b=int(rng.integers(0, 9999)))
        out_ids.append(ids[i])
        out_text.append(text)
    return pd.DataFrame({"response_id": np.array(out_ids, dtype=np.int64),
                         "comment": pd.array(out_text, dtype="str")})
