from django.urls import path

from . import views, views_annex, views_kep, views_verify

app_name = "reports"
urlpatterns = [
    path("", views.report_list, name="list"),
    path("new/", views.report_request, name="request"),
    path("verify/", views_verify.verify, name="verify"),
    path("verify/<uuid:public_id>/", views_verify.verify_document, name="verify_document"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/status/", views.report_status, name="status"),
    path("<int:pk>/recommendations/", views.report_edit, name="edit"),
    path("<int:pk>/retry/", views.report_retry, name="retry"),
    path("<int:pk>/return/", views.report_return, name="return"),
    path("<int:pk>/sign/", views.report_sign, name="sign"),
    path("<int:pk>/sign/kep/", views.report_sign_kep, name="sign_kep"),
    path("<int:pk>/preview/", views.report_preview, name="preview"),
    path("<int:pk>/new-version/", views.report_new_version, name="new_version"),
    # Before «download/<fmt>/»: the head's КЭП and the bundle of the signed PDF with it.
    path("<int:pk>/download/sig/", views_kep.download_signature, name="download_sig"),
    path("<int:pk>/download/bundle/", views_kep.download_bundle, name="download_bundle"),
    path("<int:pk>/download/<str:fmt>/", views.report_download, name="download"),
    path("roots/", views_kep.trusted_roots, name="roots"),
    # The annex to the order approving a ШНОР list (issue #20 §3), from the list's page.
    path("lists/<int:pk>/annex/<str:fmt>/", views_annex.approved_list_annex, name="approved_list_annex"),
    path("roots/<int:pk>/remove/", views_kep.trusted_root_remove, name="root_remove"),
]
