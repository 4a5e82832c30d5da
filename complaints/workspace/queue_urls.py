"""Routes included by complaints/workspace/urls.py (namespace "workspace"): the queue at
/tickets/, its partials, saved views and bulk actions."""

from django.urls import path

from complaints.workspace import queue_views as views

urlpatterns: list = [
    path("", views.queue_view, name="queue"),
    path("rows/", views.queue_rows_view, name="queue-rows"),
    path("new/", views.queue_new_view, name="queue-new"),
    path("bulk/", views.queue_bulk_view, name="queue-bulk"),
    path("views/", views.saved_view_save_view, name="saved-view-save"),
    path("views/<int:view_id>/", views.saved_view_open_view, name="saved-view-open"),
    path("views/<int:view_id>/delete/", views.saved_view_delete_view, name="saved-view-delete"),
    path("views/<int:view_id>/move/", views.saved_view_move_view, name="saved-view-move"),
]
