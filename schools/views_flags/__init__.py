"""ШНОР pages, a module per page family.

- ``statuses`` — the statuses of a list year: the list, its CSV export, the recompute button;
- ``approved_lists`` — approved lists: index, creation from the computed list, a list's page, hand inclusion;
- ``rule`` — the region's rule settings;
- ``shared`` — who may see these pages and the pieces the pages share.

The school card's results over the years and its status history are reads: ``schools.selectors``.

Reads go through the gate (``visible_to``); writes go through the services, which check ``editable_by``
again. An object outside the user's scope is a 404 (a guessed id reveals nothing); an action the user may
not take on a page they can see is a 403.
"""
