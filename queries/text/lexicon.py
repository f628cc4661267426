"""The sentiment words of dealership comments and their weights (+ praise, - complaint), written
for this product: general praise and complaint words, and the domain's own complaint events
("never called back", "had to come back", "took forever"), which carry no sentiment word."""

from __future__ import annotations

import re

_POSITIVE = {
    2.0: """excellent outstanding amazing awesome fantastic wonderful superb exceptional perfect
    phenomenal incredible brilliant stellar terrific fabulous flawless impeccable superior
    love loved loves best delighted thrilled exceeded seamless painless effortless
    emopos fantastically first-class top-notch""",
    1.5: """great happy pleased satisfied impressed recommend recommended recommending friendly
    helpful courteous polite professional knowledgeable thorough efficient smooth easy quick
    fast prompt promptly quickly speedy pleasant kind respectful attentive accommodating
    appreciated appreciate thankful grateful thanks thank fair honest reasonable clean spotless
    welcoming welcomed caring patient organized organised transparent trustworthy reliable
    comfortable convenient enjoyable enjoyed glad exceptional timely responsive informative
    competent skilled fixed resolved solved beautiful beautifully nicely super lovely""",
    1.0: """good nice fine well decent solid better improved improvement helped
    recommendable pleasure cool sweet neat happy-ish worth affordable cheap cheaper
    straightforward upfront genuine sincere informed updated explained clear clearly
    smoothly easily handled lifesaver lifesavers sorted gem legend rockstar hero heroes
    superstar friendliest nicest happiest fastest quickest cleanest easiest wow comfy patiently
    stellar topnotch pro pros spotless fab fabulous gracious quality""",
    0.4: """okay ok alright adequate acceptable""",
}
_NEGATIVE = {
    2.0: """terrible horrible awful worst disgusting appalling atrocious pathetic abysmal
    unacceptable ridiculous outrageous nightmare disaster furious livid disgusted scam scammed
    ripoff incompetent useless dishonest liar liars lied lying crooks crooked emoneg horrendous
    dreadful shameful shocking insulting""",
    1.5: """rude bad poor disappointed disappointing disappointment frustrating frustrated
    annoyed annoying angry upset unhappy dissatisfied unprofessional unhelpful slow slowest
    overpriced overcharged expensive pricey pricy dirty filthy pushy shady sketchy misleading
    misled ignored forgot forgotten lost mistake mistakes wrong broken broke damaged hassle
    confusing confused disorganized disorganised mess messy waste wasted sloppy careless
    condescending dismissive arrogant inconvenient inconvenience uncomfortable unresolved
    unreliable lousy sucks sucked crappy garbage joke stressful stress rushed failed fail
    cramped smelly gouging gouged pressured pressure upsell upsold delayed delay delays
    complaint complain complained problem problems issue issues worse worst-ever
    inattentive impolite unfriendly untrustworthy deceptive manipulative misdiagnosed
    botched snotty nasty grumpy curt abrupt patronizing patronising sarcastic excuses
    excuse ghosted unanswered unreturned mediocre subpar sub-par meh""",
    1.0: """forever ages late pushing pushed concern concerns concerned noise leak leaking
    rattle squeak unclear crowded noisy tired costly hefty steep barely lacking missing
    unbelievable runaround grinding nowhere swore refused refuse refuses errors crashing
    crashed erroring scratched scratch dent dented greasy oily dirtier overworked blaring stuck
    failing worn smoke cigarettes stains stained disappeared apart""",
}


def _table() -> dict[str, float]:
    out: dict[str, float] = {}
    for sign, groups in ((1.0, _POSITIVE), (-1.0, _NEGATIVE)):
        for weight, words in groups.items():
            for w in words.split():
                out[w] = sign * weight
    return out


WORDS: dict[str, float] = _table()

NEGATORS = frozenset(("not", "no", "never", "nothing", "nobody", "none", "neither", "nor",
                      "without", "hardly", "barely", "lack", "lacked", "lacking", "zero"))
# Words between a negator and the word it turns ("not at all rude", "not very friendly").
SKIPPABLE = frozenset(("at", "all", "very", "too", "so", "that", "really", "particularly",
                       "overly", "the", "a", "an", "any", "even", "one", "bit", "as", "remotely",
                       "super", "terribly", "exactly", "always", "once", "single", "to", "try",
                       "tries", "tried", "trying", "feel", "felt", "seem", "seemed", "seems",
                       "get", "got", "kept", "keep", "be", "been", "being", "made", "make", "me",
                       "us", "my", "our"))
INTENSIFIERS = {"very": 1.3, "so": 1.3, "really": 1.3, "extremely": 1.5, "super": 1.3,
                "incredibly": 1.5, "absolutely": 1.4, "totally": 1.3, "completely": 1.3,
                "truly": 1.3, "way": 1.3, "most": 1.2, "highly": 1.3, "beyond": 1.3}
CONTRAST = frozenset(("but", "however", "although", "though", "yet", "except", "unfortunately",
                      "sadly", "otherwise"))

# Phrases scored as a whole (matched on the normalised text before the words; the words they
# cover are not scored again). Positive first, then negative.
PHRASES: tuple[tuple[re.Pattern[str], float], ...] = tuple((re.compile(p), w) for p, w in (
    (r"\bno (?:complaints?|issues?|problems?|hassle|pressure|wait|waiting|surprises)\b", 1.5),
    (r"\bnothing (?:wrong|bad|to complain)\b", 1.5),
    (r"\b(?:could|can) not (?:be|have been|ask for) (?:any )?(?:better|happier|more)\b", 2.0),
    (r"\b(?:will|would|definitely|def) (?:definitely )?(?:be back|come back|return|recommend|"
     r"buy again|use them again)\b", 1.5),
    (r"\bin and out\b", 1.5), (r"\bon time\b", 1.0), (r"\bahead of schedule\b", 1.5),
    (r"\bwent (?:above and beyond|the extra mile|out of (?:his|her|their|the) way)\b", 2.0),
    (r"\btook care of (?:me|us|everything|it)\b", 1.5), (r"\bkept (?:me|us) (?:informed|posted|"
                                                         r"updated|in the loop)\b", 1.5),
    (r"\bfive stars?\b|\b5 stars?\b|\b10 ?/ ?10\b|\b10 out of 10\b|\bspot on\b", 2.0),
    (r"\bas (?:promised|quoted)\b|\bwhat (?:they|he|she) (?:quoted|promised)\b", 1.0),
    (r"\b(?:tire|tyre|oil|air|brake|coolant) pressure\b", 0.0),  # a reading, not a complaint
    (r"\bhands down\b|\bthe best\b", 1.5),
    (r"\b(?:can|could) not wait to (?:come back|return|go back|buy|see|visit)\b", 1.5),
    (r"\bgood (?:job|work|experience|service)\b", 1.5),
    (r"\bno (?:one|body) (?:called|told|explained|bothered|answered|returned|got back)\b", -2.0),
    (r"\bnever (?:called|got back|heard|returned|told|fixed|updated|answered|explained|"
     r"showed|showed up|again|received|offered|followed)\b", -2.0),
    (r"\b(?:did|does|do|was|were|is|are) not (?:call|fix|tell|bother|even|get back|return|"
     r"answer|explain|listen|care|update|follow|show|work|have|honou?r)\b", -1.5),
    (r"\bstill (?:not|no|waiting|broken|leaking|making|has|have|had|hear|happening)\b", -1.5),
    (r"\bhad to (?:call|ask|come back|bring it back|take it back|return|wait|chase|go back|"
     r"remind|follow up|keep calling|call back)\b", -1.5),
    (r"\btook (?:forever|ages|too long|way too long|so long|hours|all day|the whole day)\b", -2.0),
    (r"\b(?:came|come|brought) (?:it |the car |my car )?back (?:in|for|with|again|twice)\b", -1.0),
    (r"\bsame (?:problem|issue|noise)\b", -1.5), (r"\bwaste of (?:time|money)\b", -2.0),
    (r"\b(?:too|so|way too|very) (?:long|much|expensive|slow)\b", -1.5),
    (r"\b(?:rip ?off|ripped off|bait and switch|taken advantage)\b", -2.0),
    (r"\b(?:never|not) (?:again|coming back|going back|returning|recommend)\b", -2.0),
    (r"\bwill not (?:be back|return|recommend|come back|go back|buy)\b", -2.0),
    (r"\b(?:would|could) (?:have been|be) better\b|\broom for improvement\b", -1.0),
    (r"\bin the dark\b|\bon hold\b|\bleft (?:me )?hanging\b|\bfell through\b", -1.5),
    (r"\b(?:over|more than|almost|nearly|about) (?:an? |one |two |three |four |five |[0-9]+ )"
     r"(?:hours?|hrs?)\b", -1.0),
    (r"\b(?:[2-9]|two|three|four|five|six) (?:hours?|hrs?)\b", -1.0),
    (r"\b(?:weeks?|days?|months?) (?:out|later|to get)\b", -1.0),
    (r"\b(?:doubled|tripled|more than (?:the |what ))\b", -1.0),
    (r"\bhidden (?:fees?|charges?|costs?)\b|\bcharged (?:me |us )?(?:for|twice|extra)\b", -1.5),
    (r"\bdo not (?:trust|recommend|go|bother|waste)\b", -2.0),
    (r"\bnever \w+ (?:\w+ )?again\b|\bnot \w+ (?:here|there|them) again\b", -2.0),
    (r"\blong (?:wait|time|delay|line|queue)\b|\bwaited (?:and waited|forever|ages)\b", -1.5),
    (r"\b(?:no|without any|without) (?:fuss|drama|hassle|jargon|surprises)\b", 1.5),
    (r"\bfalling apart\b|\bout of order\b|\bno record\b|\bno wifi\b", -1.5),
    (r"\bnot (?:happy|impressed|satisfied|pleased|great|good|ok|okay|the best)\b", -1.5),
))

# Sarcasm: praise that is not ("oh great", "thanks for nothing", "love how I waited").
SARCASM = re.compile(
    r"\b(?:thanks|thank you|cheers) for nothing\b|\byeah right\b|\boh (?:great|wonderful|"
    r"joy|good|perfect|fantastic|brilliant)\b|\bjust (?:great|wonderful|perfect|brilliant|"
    r"fantastic|what i needed)\b|\b(?:love|loved|loving|enjoy|enjoyed) (?:how|that|the way|"
    r"being|paying|waiting|spending|sitting|getting|having)\b|\bwhat a (?:joke|treat|great "
    r"way|fantastic way|wonderful way)\b|\bgreat job (?:losing|forgetting|ignoring)\b|"
    r"\bnothing says\b|\bbecause (?:who|everyone) (?:does not|loves|wants)\b|\bsaid no one\b|"
    r"\bslow clap\b|\bgold star\b|\bkudos for (?:making|losing|charging)\b|"
    r"\bmy (?:favou?rite|favorite) (?:part|thing)\b|\bhow (?:lovely|wonderful|nice) (?:to|of)\b"
    r"|\bbravo\b|\bwell done (?:on|for) (?:losing|charging|making)\b|\s/s\b")
