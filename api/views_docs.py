"""The API's Swagger UI page under the portal's Content Security Policy (script-src and style-src 'self').

drf-spectacular's plain view writes its start-up script inline; the «split» view serves the same script from
this address with ``?script`` (a same-origin file, so script-src 'self' allows it). The few CSS lines the stock
template puts in a <style> block live in static/css/api-docs.css (templates/api/swagger_ui.html). Swagger UI
itself sets styles only through the CSSOM, which style-src does not restrict, so the page needs no relaxation.
"""

from drf_spectacular.views import SpectacularSwaggerSplitView


class ApiDocsView(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"
