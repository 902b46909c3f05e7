"""The programme's indicators and the methodologist's dashboard: a layer above mentoring, diagnostics and
roadmaps, whose figures they count (support by mentors and tutors, diagnostics and ИОМ, roadmap items, quarterly
forms), so that the three stay independent of one another. The справка (reports) and the API read them here.

The pages keep their addresses and names under /roadmaps/ (``roadmaps:indicators``, ``roadmaps:dashboard``):
shnor_portal/urls.py puts ``urls`` beside the roadmaps' own in that namespace, and their tabs are roadmaps'.

``rules`` is pure (indicator maths and traffic lights, no ORM), ``selectors`` reads the aggregates behind them,
``views``/``urls`` are the two pages.
"""
