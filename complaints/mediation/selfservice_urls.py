"""Customer self-service pages reached by signed links (namespace "selfservice")."""

from django.urls import path

from complaints.mediation import selfservice_views as views

app_name = "selfservice"

urlpatterns = [
    path("<str:token>/", views.selfservice_page_view, name="page"),
    path(
        "<str:token>/reply/",
        views.selfservice_submit_view,
        {"what": "reply"},
        name="reply",
    ),
    path(
        "<str:token>/fixed/",
        views.selfservice_submit_view,
        {"what": "fixed"},
        name="fixed",
    ),
]
