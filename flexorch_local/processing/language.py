"""A small stopword-vote language detector (en, de, fr, tr, es, it, nl).

Business documents are short and full of numbers, so a vote over function words is as
good as a statistical model here, and it is deterministic and dependency-free.
"""

from __future__ import annotations

import re


def _words(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


_STOPWORDS: dict[str, frozenset[str]] = {
    "en": _words(
        "the and of to in for is on that by with this are be as at from or an will we "
        "you your our it not have has please date total amount due "
    ),
    "de": _words(
        "der die das und ist nicht mit für den dem des ein eine einer zu von auf im bei "
        "wir sie ihr ihre bitte datum betrag gesamt rechnung oder auch werden "
    ),
    "fr": _words(
        "le la les et est des du un une pour dans par sur au aux avec nous vous votre ce "
        "cette qui que pas montant facture date ou sont être "
    ),
    "tr": _words(
        "ve bir bu da de için ile olarak olan ise gibi daha çok tarih tutar toplam "
        "fatura sayın ödeme tarihi veya her kadar göre şirket "
    ),
    "es": _words(
        "el la los las y es de del en un una para por con que su sus al se lo como más "
        "fecha importe factura total pago o están "
    ),
    "it": _words(
        "il lo la gli le e è di del della in un una per con che non sono al alla dei "
        "data importo fattura totale pagamento o anche "
    ),
    "nl": _words(
        "de het een en is van in op te met voor dat niet zijn aan bij ook wij u uw datum "
        "bedrag factuur totaal betaling of worden "
    ),
}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
MIN_VOTES = 2.5
MIN_LEAD = 1.2  # the winner must beat the runner-up by this factor
LANGUAGES = tuple(_STOPWORDS)
_OWNERS: dict[str, tuple[str, ...]] = {}
for _lang, _stopwords in _STOPWORDS.items():
    for _word in _stopwords:
        _OWNERS[_word] = (*_OWNERS.get(_word, ()), _lang)


def detect_language(text: str) -> str:
    """ISO 639-1 code of the best-voted language, or "und" when the evidence is too thin."""
    words = [w.casefold() for w in _WORD.findall(text[:20000])]
    votes: dict[str, float] = dict.fromkeys(LANGUAGES, 0.0)
    for word in words:
        langs = _OWNERS.get(word)
        if langs:
            # A word shared by k languages ("de", "total") is only 1/k evidence for each.
            for lang in langs:
                votes[lang] += 1 / len(langs)
    # Ties break by the fixed order of LANGUAGES so the answer never depends on dict luck.
    best = max(LANGUAGES, key=lambda lang: (votes[lang], -LANGUAGES.index(lang)))
    ranked = sorted(votes.values(), reverse=True)
    runner_up = ranked[1] if len(ranked) > 1 else 0
    if votes[best] < MIN_VOTES or votes[best] <= runner_up * MIN_LEAD:
        return "und"
    return best
