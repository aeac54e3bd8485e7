app_name = "measure_types"
urlpatterns: list = []
