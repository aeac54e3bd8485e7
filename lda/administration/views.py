"""The territory administrator's pages: territory, organisations, accounts, roles and API tokens."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch, Q
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from lda.access.decorators import permission
from lda.access.policy import actor_for, get_or_404, scope
from lda.accounts.models import ApiToken, Membership, Organisation, Territory, User
from lda.accounts.roles import OrganisationKind
from lda.accounts.signals import end_all_sessions
from lda.administration.forms import (
    ApiTokenForm,
    MembershipForm,
    OrganisationForm,
    TerritoryForm,
    UserCreateForm,
    UserEditForm,
)
from lda.audit.log import record, record_read
from lda.audit.models import Action

PAGE_SIZE = 50


def _admin_territories(request):
    return Territory.objects.filter(pk__in=actor_for(request.user).territories("admin.territory.manage"))


def _admin_organisations(request):
    territories = actor_for(request.user).territories("admin.organisations.manage")
    return Organisation.objects.filter(territory_id__in=territories, is_active=True).order_by("name")


# --- territory ------------------------------------------------------------------------------


@permission("admin.territory.manage")
def territory(request):
    territories = list(_admin_territories(request))
    chosen = territories[0]
    if len(territories) > 1 and request.GET.get("territoire"):
        chosen = next((t for t in territories if str(t.pk) == request.GET["territoire"]), chosen)
    form = TerritoryForm(request.POST or None, instance=chosen)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Le territoire a été enregistré.")
        return redirect("administration:territory")
    return render(
        request, "administration/territory.html", {"form": form, "territories": territories, "territory": chosen}
    )


# --- organisations --------------------------------------------------------------------------


@permission("admin.organisations.manage")
def organisations(request):
    territories = actor_for(request.user).territories("admin.organisations.manage")
    rows = Organisation.objects.filter(territory_id__in=territories).select_related("territory")
    query = request.GET.get("q", "").strip()
    if query:
        rows = rows.filter(Q(name__icontains=query) | Q(siret__startswith=query.replace(" ", "")))
    kind = request.GET.get("type", "")
    if kind in OrganisationKind.values:
        rows = rows.filter(kind=kind)
    page = Paginator(rows.order_by("name"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "administration/organisations.html",
        {"page": page, "query": query, "kind": kind, "kinds": OrganisationKind.choices},
    )


@permission("admin.organisations.manage")
def organisation_create(request):
    territories = _admin_territories(request)
    form = OrganisationForm(request.POST or None, territories=territories)
    if request.method == "POST" and form.is_valid():
        organisation = form.save()
        messages.success(request, f"L'organisation « {organisation.name} » a été créée.")
        return redirect("administration:organisations")
    return render(request, "administration/organisation_form.html", {"form": form, "creating": True})


@permission("admin.organisations.manage")
def organisation_edit(request, pk):
    territories = actor_for(request.user).territories("admin.organisations.manage")
    organisation = get_or_404(request.user, Organisation.objects.filter(territory_id__in=territories), pk=pk)
    form = OrganisationForm(request.POST or None, instance=organisation, territories=_admin_territories(request))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"L'organisation « {organisation.name} » a été enregistrée.")
        return redirect("administration:organisations")
    members = organisation.memberships.select_related("user").order_by("user__last_name")
    return render(
        request,
        "administration/organisation_form.html",
        {"form": form, "organisation": organisation, "members": members},
    )


# --- users ----------------------------------------------------------------------------------


def _users(request):
    return scope(request.user, User.objects.all())


@permission("admin.users.manage")
def users(request):
    rows = _users(request).prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("organisation"))
    )
    query = request.GET.get("q", "").strip()
    if query:
        rows = rows.filter(Q(last_name__icontains=query) | Q(first_name__icontains=query) | Q(email__icontains=query))
    state = request.GET.get("etat", "")
    if state == "actifs":
        rows = rows.filter(is_active=True)
    elif state == "inactifs":
        rows = rows.filter(is_active=False)
    elif state == "bloques":
        rows = rows.filter(locked_until__gt=timezone.now())
    page = Paginator(rows.order_by("last_name", "first_name", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "administration/users.html", {"page": page, "query": query, "state": state})


def send_invitation(request, user) -> None:
    """E-mails a link to choose a password (valid until it is used or the password changes)."""
    link = request.build_absolute_uri(
        reverse(
            "accounts:password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
    )
    body = render_to_string("accounts/email/invitation.txt", {"user": user, "link": link})
    send_mail("Votre compte LDA", body, settings.DEFAULT_FROM_EMAIL, [user.email])


@permission("admin.users.manage")
def user_create(request):
    form = UserCreateForm(request.POST or None, organisations=_admin_organisations(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            user = User.objects.create_user(
                email=data["email"], password=None, first_name=data["first_name"], last_name=data["last_name"]
            )
            Membership.objects.create(user=user, organisation=data["organisation"], role=data["role"])
        send_invitation(request, user)
        messages.success(request, f"Le compte de {user.full_name} a été créé ; une invitation lui a été envoyée.")
        return redirect("administration:user", pk=user.pk)
    return render(request, "administration/user_create.html", {"form": form})


@permission("admin.users.manage")
def user_detail(request, pk):
    user = get_or_404(request.user, User.objects.all(), pk=pk)
    record_read(request, user, section="account")
    form = UserEditForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Le compte a été enregistré.")
        return redirect("administration:user", pk=user.pk)
    organisations = _admin_organisations(request)
    memberships = user.memberships.filter(
        organisation__in=Organisation.objects.filter(
            territory_id__in=actor_for(request.user).territories("admin.users.manage")
        )
    ).select_related("organisation")
    context = {
        "account": user,
        "form": form,
        "memberships": memberships,
        "membership_form": MembershipForm(user=user, organisations=organisations),
        "has_device": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        "locked": bool(user.locked_until and user.locked_until > timezone.now()),
    }
    return render(request, "administration/user_detail.html", context)


@require_POST
@permission("admin.users.manage")
def user_action(request, pk, action):
    user = get_or_404(request.user, User.objects.all(), pk=pk)
    if action == "desactiver":
        if user.pk == request.user.pk:
            messages.error(request, "Vous ne pouvez pas désactiver votre propre compte.")
        else:
            user.is_active = False
            user.save(update_fields=["is_active"])
            messages.success(request, f"Le compte de {user.full_name} est désactivé et ses sessions sont fermées.")
    elif action == "reactiver":
        user.is_active = True
        user.save(update_fields=["is_active"])
        messages.success(request, f"Le compte de {user.full_name} est réactivé.")
    elif action == "debloquer":
        user.failed_logins, user.locked_until, user.last_failed_login_at = 0, None, None
        user.save(update_fields=["failed_logins", "locked_until", "last_failed_login_at"])
        messages.success(request, "Le compte est débloqué.")
    elif action == "reinitialiser-double-authentification":
        TOTPDevice.objects.filter(user=user).delete()
        end_all_sessions(user)
        messages.success(request, "La double authentification sera à configurer à la prochaine connexion.")
    elif action == "inviter":
        send_invitation(request, user)
        messages.success(request, "Un lien pour choisir un mot de passe a été envoyé.")
    else:
        messages.error(request, "Action inconnue.")
        return redirect("administration:user", pk=user.pk)
    # Deactivation is an audited save already; the other actions touch no audited field.
    if action not in {"desactiver", "reactiver"}:
        record(Action.UPDATE, subject=request, object_type="user", object_id=user.pk, section=action)
    return redirect("administration:user", pk=user.pk)


@require_POST
@permission("admin.users.manage")
def membership_add(request, pk):
    user = get_or_404(request.user, User.objects.all(), pk=pk)
    form = MembershipForm(request.POST, user=user, organisations=_admin_organisations(request))
    if form.is_valid():
        Membership.objects.update_or_create(
            user=user,
            organisation=form.cleaned_data["organisation"],
            role=form.cleaned_data["role"],
            defaults={"is_active": True},
        )
        messages.success(request, "Le rattachement a été ajouté.")
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("administration:user", pk=user.pk)


@require_POST
@permission("admin.users.manage")
def membership_end(request, pk):
    membership = get_or_404(request.user, Membership.objects.select_related("user"), pk=pk)
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    end_all_sessions(membership.user)
    messages.success(request, "Le rattachement a été retiré ; les sessions de ce compte sont fermées.")
    return redirect("administration:user", pk=membership.user_id)


# --- API tokens -----------------------------------------------------------------------------


@permission("admin.tokens.manage")
def tokens(request):
    rows = scope(request.user, ApiToken.objects.select_related("organisation", "created_by"))
    form = ApiTokenForm(request.POST or None, organisations=_admin_organisations(request))
    secret = None
    if request.method == "POST" and form.is_valid():
        token, secret = form.save(created_by=request.user)
        messages.success(
            request, f"Le jeton « {token.name} » a été créé. Copiez-le maintenant : il ne sera plus affiché."
        )
        form = ApiTokenForm(organisations=_admin_organisations(request))
    return render(request, "administration/tokens.html", {"tokens": rows, "form": form, "secret": secret})


@require_POST
@permission("admin.tokens.manage")
def token_revoke(request, pk):
    token = get_or_404(request.user, ApiToken.objects.all(), pk=pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    messages.success(request, f"Le jeton « {token.name} » est révoqué.")
    return redirect("administration:tokens")
