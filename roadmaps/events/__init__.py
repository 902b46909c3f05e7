"""Events (семинары, мастер-классы, фестивали, методические десанты, сессии КПК) and their year's totals.

``services`` writes (each write checks the gate) and counts the totals; ``views``, ``forms`` and ``urls`` are
the pages. The model, ``Event``, stays in ``roadmaps.models``.
"""
