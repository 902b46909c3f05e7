"""The programme's indicators and the methodologist's dashboard.

``rules`` is pure (indicator maths and traffic lights, no ORM), ``selectors`` reads the aggregates behind them,
``views``/``urls`` are the two pages.
"""
