app_name = "measure_activity"
urlpatterns: list = []
