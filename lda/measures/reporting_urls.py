app_name = "measure_reports"
urlpatterns: list = []
