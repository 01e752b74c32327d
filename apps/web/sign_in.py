"""Signing in with a one-time link sent by e-mail, beside the password form."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from apps.accounts.services import sign_in_link_email
from apps.delegations.selectors import event_slug_to_open
from apps.delegations.sign_in import participant_sign_in
from apps.delegations.tasks import task_sign_in_link_send

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class EmailLinkForm(forms.Form):
    email = forms.EmailField(
        label=_("Your e-mail address"),
        help_text=_("The address the secretariat registered you with."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    """``candidate`` if it is a path on this site, else empty."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


@never_cache
def email_link_request(request: HttpRequest) -> HttpResponse:
    """Ask for a sign-in link. The answer is the same, and as quick, whether or not the
    address is known: a task looks it up and sends the link."""
    next_path = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    form = EmailLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        task_sign_in_link_send.delay_on_commit(form.cleaned_data["email"], next_path, get_language())
        return redirect(reverse("web:email-link-sent"))
    return render(
        request,
        "registration/email_link_request.html",
        {"form": form, "next": next_path},
        status=400 if form.errors else 200,
    )


def email_link_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "registration/email_link_sent.html")


@never_cache
def email_link_use(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the e-mail. Opening it shows a button; pressing the button signs in.

    Mail scanners open links to check them: a sign-in on GET would spend the link before its
    owner sees it.
    """
    next_path = safe_next(request, request.GET.get("next"))
    if request.method == "POST":
        user = participant_sign_in(token=token, signed_in=request.user)
        if user is not None:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(next_path or _landing(user))
    elif sign_in_link_email(token=token) is not None:
        return render(request, "registration/email_link_use.html", {"next": next_path})
    return render(request, "registration/email_link_invalid.html", status=410)


def _landing(user: User) -> str:
    """The agenda of the user's latest event, else the home page."""
    slug = event_slug_to_open(user=user)
    return reverse("web:my-agenda", kwargs={"event_slug": slug}) if slug else reverse("web:home")
