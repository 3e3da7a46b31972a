"""The sign-in form."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator


class SignInForm(AuthenticationForm):
    """Django's form, with the username length actually enforced.

    Django sets the field's ``max_length`` after construction, which changes the widget but
    adds no validator; an overlong name would reach authentication (and the lock-out
    bookkeeping, whose column is 255 characters) instead of being refused as invalid.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length or 150))
