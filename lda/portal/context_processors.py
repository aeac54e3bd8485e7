from django.urls import reverse

from lda.access.policy import actor_for
from lda.portal.navigation import SECTIONS


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_sections": []}
    actor = actor_for(user)
    items = [
        {"label": s.label, "url": reverse(s.url_name), "active": request.path.startswith(reverse(s.url_name))}
        for s in SECTIONS
        if actor.has(s.permission)
    ]
    return {"nav_sections": items}
