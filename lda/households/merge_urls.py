"""Pages of this capability (filled in by its views)."""

app_name = "merges"
urlpatterns: list = []
