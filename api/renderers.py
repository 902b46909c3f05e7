"""DRF's browsable API under the portal's Content Security Policy."""

from csp.constants import UNSAFE_INLINE
from rest_framework import renderers


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """The browsable API's pages allow inline styles, and only they.

    DRF's template writes a <style> block (Pygments colours of the docstrings) and style="float: right" on the
    filter and extra-action buttons; under style-src 'self' the browser refuses them (and reports each). Its
    scripts are all files and its data block is <script type="application/json">, so script-src stays 'self'.
    The update is what django-csp's ``csp_update`` decorator sets on a response; a renderer has no view to
    decorate.
    """

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            response._csp_update = {"style-src": [UNSAFE_INLINE]}
        return super().render(data, accepted_media_type, renderer_context)
