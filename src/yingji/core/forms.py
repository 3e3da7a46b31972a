"""Forms of the account pages; they only shape input — the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from yingji.core.models import Role

ROLE_CHOICES = Role.choices


class UserFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": _("Username, name or phone")}),
    )
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("All roles")), *ROLE_CHOICES]
    )
    active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("1", _("Active")), ("0", _("Disabled"))],
    )


class UserCreateForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    display_name = forms.CharField(label=_("Name"), max_length=64, required=False)
    phone = forms.CharField(label=_("Mobile phone"), max_length=11, required=False)
    region = forms.CharField(
        label=_("Home region code"), max_length=12, help_text=_("e.g. 330106 for 西湖区")
    )
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=ROLE_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )
    password = forms.CharField(
        label=_("Initial password"), widget=forms.PasswordInput, min_length=8, max_length=128
    )


class UserEditForm(forms.Form):
    display_name = forms.CharField(label=_("Name"), max_length=64, required=False)
    phone = forms.CharField(label=_("Mobile phone"), max_length=11, required=False)
    region = forms.CharField(label=_("Home region code"), max_length=12)
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=ROLE_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )
    is_active = forms.BooleanField(label=_("Active"), required=False)
