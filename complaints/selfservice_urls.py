"""Customer self-service pages reached by signed links (namespace "selfservice")."""

app_name = "selfservice"

urlpatterns: list = []
