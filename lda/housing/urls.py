"""The coordinator's matching pages and the proposal pages, under /logement/ (namespace "housing"),
with the generic task status page of the runs (its "done" link is `runs.run_page`)."""

from django.urls import path

from lda.housing import matching_views, proposal_views
from lda.tasks import urls as task_urls

app_name = "housing"
urlpatterns = [
    path("rapprochements/", matching_views.run_list, name="runs"),
    path("rapprochements/lancer/", matching_views.run_launch, name="run_launch"),
    path("rapprochements/<int:pk>/", matching_views.run_detail, name="run"),
    path("logements/<int:pk>/candidat/", matching_views.candidate_add, name="candidate_add"),
    path("logements/<int:pk>/transmettre/", matching_views.shortlist_send, name="shortlist_send"),
    path("propositions/<int:pk>/", proposal_views.proposal_detail, name="proposal"),
    path("propositions/<int:pk>/retirer/", matching_views.proposal_withdraw, name="proposal_withdraw"),
    path("propositions/<int:pk>/monter/", matching_views.proposal_move_up, name="proposal_move_up"),
    path("propositions/<int:pk>/commission/", proposal_views.proposal_decide, name="proposal_decide"),
    path("propositions/<int:pk>/proposer/", proposal_views.proposal_offer, name="proposal_offer"),
    path("propositions/<int:pk>/reponse/", proposal_views.proposal_answer, name="proposal_answer"),
    path("propositions/<int:pk>/bail/", proposal_views.proposal_lease, name="proposal_lease"),
    path("propositions/<int:pk>/entree/", proposal_views.proposal_enter, name="proposal_enter"),
    # The progress page of a run (the generic task pages, in this namespace).
    *task_urls.urlpatterns,
]
