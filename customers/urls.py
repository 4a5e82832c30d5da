from django.urls import path

from customers import views

app_name = "customers"

urlpatterns = [
    path("", views.customer_search_view, name="customer-search"),
    path("<str:external_id>/", views.customer_detail_view, name="customer-detail"),
]
