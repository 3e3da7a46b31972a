"""The authentication backend: Django's, reading the signed-in user with their region."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class UserBackend(ModelBackend):
    """:class:`ModelBackend` whose per-request user lookup joins the user's region: nearly
    every page and API call scopes its rows by it, one query fewer per request."""

    def get_user(self, user_id: Any) -> Any:
        model = get_user_model()
        try:
            user = model._default_manager.select_related("region").get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
