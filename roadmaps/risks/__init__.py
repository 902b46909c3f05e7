"""Risk profiles: one school's risk factors of a year, each with a level, measures and roadmap items.

``services`` holds the writes and the reads behind the pages; ``views``, ``forms`` and ``urls`` are the pages.
The models (``RiskProfile``, ``RiskEntry``, ``RiskFactor``) stay in ``roadmaps.models``.
"""
