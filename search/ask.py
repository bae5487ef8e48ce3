"""`minsheng ask`: answer a question from the graph, with search only for a free-text topic.

The question is read and answered in `kg.analysis` (vocabulary, question, answers) with
exact selections over the store. This module supplies the one thing kg cannot do itself:
turning a topic that names no taxonomy concept ("两癌", "法律援助") into commitments, with
a relevance floor so that a question about the weather finds nothing rather than the
three nearest commitments.
"""

from __future__ import annotations

from typing import Any

from kg.analysis.answers import Answer, answer_question_text

# Relevance floor for a free-text topic. Dense cosines of e5 are compressed (an unrelated
# question such as 今天天气怎么样 still scores 0.85 against every commitment, while 上学
# scores 0.86 against the right ones), so a cosine floor cannot separate them. A topic
# must also share a term with the commitment (BM25 > LEXICAL_FLOOR over jieba words and CJK
# bigrams), and only hits within DENSE_BAND of the best such hit are kept, so one common
# bigram does not pull in the whole corpus.
LEXICAL_FLOOR = 1.0
DENSE_BAND = 0.04
TOPIC_CANDIDATES = 20


def topic_searcher(engine: Any) -> Any:
    """A `kg.analysis.answers.TopicSearch` over ``engine`` (a `search.engine.SearchEngine`)."""

    def run(topic: str, years: list[int], codes: list[str]) -> list[str]:
        filters: dict[str, Any] = {}
        if len(years) == 1:
            filters["year"] = years[0]
        if len(codes) == 1:
            filters["jurisdiction"] = codes[0]
        # The lexical side alone decides whether anything shares a term with the topic; only
        # then is the query embedded (the slow part), so an off-topic question is refused cheaply.
        lexical_only = engine.search(topic, top_k=TOPIC_CANDIDATES, mode="lexical", **filters).results
        if not any((h.lexical_score or h.score or 0.0) > LEXICAL_FLOOR for h in lexical_only):
            return []
        hits = engine.search(topic, top_k=TOPIC_CANDIDATES, **filters).results
        if years:
            hits = [h for h in hits if h.year in years]
        lexical = [h for h in hits if (h.lexical_score or 0.0) > LEXICAL_FLOOR]
        if not lexical:
            return []
        best = max(h.dense_score or 0.0 for h in lexical)
        kept = [h for h in lexical if (h.dense_score or 0.0) >= best - DENSE_BAND]
        store = engine.workspace.store()
        if codes:
            allowed = {c.id for c in store.commitments(ids=[h.id for h in kept]) if c.jurisdiction_code in codes}
            kept = [h for h in kept if h.id in allowed]
        return [h.id for h in kept]

    return run


def answer_question(engine: Any, question: str, *, year: int | None = None, jurisdiction: str | None = None) -> Answer:
    """Answer ``question`` over the engine's workspace (the engine is used only for free-text topics).

    ``year`` and ``jurisdiction`` apply when the question itself names none.
    """
    return answer_question_text(engine.workspace.store(), question, topic_search=topic_searcher(engine),
                                year=year, jurisdiction=jurisdiction)


class LazyEngine:
    """Stands in for a SearchEngine and builds the real one only when a topic needs search.

    Most questions name only years, places, departments, officials and concepts; they must
    not pay for loading the embedding model.
    """

    def __init__(self, workspace: Any, factory: Any):
        self.workspace = workspace
        self._factory = factory
        self._engine: Any = None

    def search(self, *args: Any, **kwargs: Any) -> Any:
        if self._engine is None:
            self._engine = self._factory()
        return self._engine.search(*args, **kwargs)
