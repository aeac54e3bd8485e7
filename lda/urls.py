from django.urls import include, path

from lda.api.api import api
from lda.portal import views as portal_views

urlpatterns = [
    path("", portal_views.home, name="home"),
    path("annuaire/", portal_views.directory, name="directory"),
    path("sante/", portal_views.health, name="health"),
    path("", include("lda.accounts.urls")),
    path("administration/", include("lda.administration.urls")),
    path("audit/", include("lda.audit.urls")),
    path("menages/", include("lda.households.urls")),
    path("commissions/", include("lda.households.commission_urls")),
    path("imports/", include("lda.households.import_urls")),
    path("chiffres/", include("lda.households.figures_urls")),
    path("fusions/", include("lda.households.merge_urls")),
    path("mesures/", include("lda.measures.urls")),
    path("mesures/suivi/", include("lda.measures.activity_urls")),
    path("mesures/comptes/", include("lda.measures.reporting_urls")),
    path("equipe/", include("lda.measures.team_urls")),
    path("alertes/", include("lda.measures.alert_urls")),
    path("parametres/mesures/", include("lda.measures.type_urls")),
    path("logement/", include("lda.housing.urls")),
    path("logement/offre/", include("lda.housing.supply_urls")),
    path("logement/captation/", include("lda.housing.capture_urls")),
    path("parametres/logement/", include("lda.housing.settings_urls")),
    path("conservation/", include("lda.retention.urls")),
    path("api/", api.urls),
]

handler400 = "lda.portal.views.error_400"
handler403 = "lda.portal.views.error_403"
handler404 = "lda.portal.views.error_404"
handler500 = "lda.portal.views.error_500"
