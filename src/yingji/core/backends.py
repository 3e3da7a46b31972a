"""The authentication backend: Django's, reading the signed-in user with their region."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from yingji.core import permissions


class UserBackend(ModelBackend):
    """:class:`ModelBackend` whose per-request user lookup joins the user's region and reads
    their roles in the same statement: nearly every page and API call scopes its rows by the
    one and checks the other: one query per request where Django's own backend makes three."""

    def get_user(self, user_id: Any) -> Any:
        model = get_user_model()
        users = permissions.with_roles(model._default_manager.select_related("region"))
        try:
            user = users.get(pk=user_id)
        except model.DoesNotExist:
            return None
        permissions.remember_roles(user, getattr(user, permissions.ROLES_READ))
        return user if self.user_can_authenticate(user) else None
