"""Pages of this capability (filled in by its views)."""

app_name = "commissions"
urlpatterns: list = []
