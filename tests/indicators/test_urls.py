"""The indicators app's pages kept their addresses and names when they left roadmaps (#18 §2)."""

import pytest
from django.urls import resolve, reverse

from indicators import views


@pytest.mark.parametrize(
    ("name", "path", "view"),
    [
        ("roadmaps:indicators", "/roadmaps/indicators/", views.indicators_page),
        ("roadmaps:dashboard", "/roadmaps/dashboard/", views.dashboard),
    ],
)
def test_the_pages_keep_their_address_and_name(name, path, view):
    assert reverse(name) == path
    match = resolve(path)
    assert (match.view_name, match.func) == (name, view)


def test_the_roadmaps_pages_share_the_namespace():
    assert reverse("roadmaps:list") == "/roadmaps/"
    assert reverse("roadmaps:events") == "/roadmaps/events/"
