"""REST routes of the complaints app under /api/v1/."""

urlpatterns: list = []
