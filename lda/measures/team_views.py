"""The operator's multidisciplinary team (spec 2): staff members by profession.

A social worker manages the team of their own organisation (add, deactivate, reactivate); the
coordinator sees, read only, the teams of every operator of the territory and picks one in a
select. Another organisation's team or member answers 404. Writes go through `services.py`.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from lda.access.decorators import permission
from lda.access.policy import actor_for, get_or_404
from lda.accounts.models import Organisation, User
from lda.accounts.roles import ROLE_RULES, Role
from lda.audit.log import record_refusal
from lda.measures import codes, services
from lda.measures.models import StaffMember


def managed_organisations(actor) -> set[int]:
    """The organisations whose team the actor manages: those where they are a social worker."""
    return actor.organisations("measures.operate")


def viewable_organisations(actor):
    """The teams the actor may see: their own, and every operator of the territories they coordinate."""
    coordinated = {g.territory_id for g in actor.grants if g.role == Role.COORDINATOR}
    operator_kinds = ROLE_RULES[Role.SOCIAL_WORKER].organisation_kinds
    return (
        Organisation.objects.filter(
            Q(pk__in=managed_organisations(actor))
            | Q(territory_id__in=coordinated, is_active=True, kind__in=operator_kinds)
        )
        .select_related("territory")
        .order_by("name", "pk")
    )


def _chosen(request, organisations: list, value):
    """The organisation named by `value` among `organisations` (the first one when not named);
    any other organisation answers 404 and the refusal is logged."""
    if value in (None, ""):
        return organisations[0] if organisations else None
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    for organisation in organisations:
        if organisation.pk == pk:
            return organisation
    record_refusal(request, object_type="organisation", object_id=str(pk))
    raise Http404


def _list_url(organisation) -> str:
    return f"{reverse('team:list')}?organisation={organisation.pk}"


@permission("measures.staff")
def team_list(request):
    actor = actor_for(request.user)
    organisations = list(viewable_organisations(actor))
    organisation = _chosen(request, organisations, request.GET.get("organisation"))
    members, counts = [], []
    if organisation is not None:
        members = list(
            StaffMember.objects.for_user(request.user).filter(organisation=organisation).select_related("user")
        )
        order = {code: n for n, code in enumerate(codes.Profession.values)}
        members.sort(key=lambda m: (not m.is_active, order.get(m.profession, 99), m.last_name, m.first_name))
        active = [m for m in members if m.is_active]
        counts = [(label, sum(1 for m in active if m.profession == code)) for code, label in codes.Profession.choices]
    return render(
        request,
        "measures/team_list.html",
        {
            "organisations": organisations,
            "organisation": organisation,
            "members": members,
            "active_count": sum(1 for m in members if m.is_active),
            "counts": counts,
            "manages": organisation is not None and organisation.pk in managed_organisations(actor),
            "several": len(organisations) > 1,
        },
    )


class StaffForm(forms.Form):
    first_name = forms.CharField(label="Prénom", max_length=80)
    last_name = forms.CharField(label="Nom", max_length=80)
    profession = forms.ChoiceField(label="Profession", choices=[("", "— Choisir —"), *codes.Profession.choices])
    user = forms.ModelChoiceField(
        label="Compte utilisateur",
        queryset=User.objects.none(),
        required=False,
        empty_label="— Aucun compte —",
        help_text="Facultatif : le compte de cette personne dans votre organisation, s'il existe.",
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        linked = StaffMember.objects.filter(organisation=organisation, is_active=True, user__isnull=False)
        self.fields["user"].queryset = (
            User.objects.filter(is_active=True, memberships__organisation=organisation, memberships__is_active=True)
            .exclude(pk__in=linked.values("user_id"))
            .distinct()
            .order_by("last_name", "first_name")
        )
        self.fields["user"].label_from_instance = lambda u: f"{u.full_name} ({u.email})"
        self.fields["user"].error_messages["invalid_choice"] = (
            "Choisissez un compte de votre organisation qui n'est pas déjà lié à un membre de l'équipe."
        )

    def data_for_service(self) -> services.StaffData:
        d = self.cleaned_data
        return services.StaffData(
            first_name=d["first_name"],
            last_name=d["last_name"],
            profession=d["profession"],
            user_id=d["user"].pk if d["user"] else None,
        )


def _managed_organisation(request, value) -> Organisation:
    actor = actor_for(request.user)
    managed = managed_organisations(actor)
    if not managed:
        # The coordinator sees the teams but manages none.
        record_refusal(request, object_type="permission", object_id="team.manage")
        raise PermissionDenied
    organisations = list(Organisation.objects.filter(pk__in=managed).order_by("name", "pk"))
    return _chosen(request, organisations, value)


@permission("measures.staff")
def team_add(request):
    organisation = _managed_organisation(request, request.POST.get("organisation") or request.GET.get("organisation"))
    form = StaffForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.add_staff(organisation, form.data_for_service())
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name, errors in error.error_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(request, f"{member.first_name} {member.last_name} a été ajouté·e à l'équipe.")
            return redirect(_list_url(organisation))
    return render(
        request,
        "measures/team_add.html",
        {"form": form, "organisation": organisation, "back": _list_url(organisation)},
    )


@permission("measures.staff")
@require_POST
def team_toggle(request, pk):
    member = get_or_404(request.user, StaffMember.objects.select_related("organisation"), pk=pk)
    if member.organisation_id not in managed_organisations(actor_for(request.user)):
        # Seen (the coordinator reads every team) but not managed: as if it did not exist.
        record_refusal(request, object_type="staffmember", object_id=str(pk))
        raise Http404
    wanted = request.POST.get("active")
    active = {"1": True, "0": False}.get(wanted, not member.is_active)
    services.set_staff_active(member, active)
    name = f"{member.first_name} {member.last_name}"
    if active:
        messages.success(request, f"{name} fait de nouveau partie de l'équipe.")
    else:
        messages.success(request, f"{name} ne fait plus partie de l'équipe : son nom reste sur les rencontres passées.")
    return redirect(_list_url(member.organisation))
