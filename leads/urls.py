from django.urls import path

from leads import views

app_name = "leads"

urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("<slug:panel>/<slug:table>.csv", views.table_csv_view, name="table-csv"),
]
