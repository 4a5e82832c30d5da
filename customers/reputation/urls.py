"""Reputation pages: listings, delisting requests, deliverability doctor (namespace "reputation")."""

from django.urls import path

from customers.reputation import views

app_name = "reputation"

urlpatterns = [
    path("", views.overview_view, name="overview"),
    path("listings/", views.listings_view, name="listings"),
    path("listings/<int:pk>/", views.listing_detail_view, name="listing-detail"),
    path("delisting/", views.delisting_list_view, name="delisting-list"),
    path("delisting/new/", views.delisting_create_view, name="delisting-create"),
    path("delisting/<int:pk>/", views.delisting_detail_view, name="delisting-detail"),
    path("doctor/", views.doctor_view, name="doctor"),
    path("doctor/<int:pk>/", views.doctor_detail_view, name="doctor-detail"),
    path("doctor/<int:pk>/result/", views.doctor_result_view, name="doctor-result"),
    path("doctor/<int:pk>/attach/", views.doctor_attach_view, name="doctor-attach"),
    path("doctor/<int:pk>/send/", views.doctor_send_view, name="doctor-send"),
    path("compromise/", views.compromise_view, name="compromise"),
    path("zones/<int:pk>/", views.zone_edit_view, name="zone-edit"),
]
