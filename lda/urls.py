from django.urls import include, path

from lda.api.api import api
from lda.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("annuaire/", core_views.directory, name="directory"),
    path("sante/", core_views.health, name="health"),
    path("", include("lda.accounts.urls")),
    path("administration/", include("lda.administration.urls")),
    path("audit/", include("lda.audit.urls")),
    path("api/", api.urls),
]

handler400 = "lda.core.views.error_400"
handler403 = "lda.core.views.error_403"
handler404 = "lda.core.views.error_404"
handler500 = "lda.core.views.error_500"
