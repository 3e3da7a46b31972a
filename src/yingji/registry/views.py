"""Stock operations pages: a stock item's ledger with the form that records a movement."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from yingji.core.errors import DomainError
from yingji.core.permissions import Cap, has
from yingji.core.registry import selectors
from yingji.registry import services
from yingji.registry.models.depot import MovementKind, StockItem
from yingji.registry.specs.depots import STOCK_ITEMS

LEDGER_ROWS = 50
FORM_FIELDS = ("kind", "quantity", "to_depot", "reason")


@login_required
def movement(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the item, its latest ledger lines and the form; POST: record one movement."""
    if not has(request.user, Cap.VIEW_REGISTRY):
        messages.error(request, _("Your roles do not include the registries."))
        return render(request, "web/forbidden.html", status=403)
    try:
        item = selectors.record(request.user, STOCK_ITEMS, pk)
    except DomainError as exc:
        raise Http404(exc.message) from exc
    assert isinstance(item, StockItem)  # noqa: S101 - the spec's model
    can_edit = has(request.user, Cap.EDIT_REGISTRY) and item.voided_at is None
    form = dict.fromkeys(FORM_FIELDS, "")
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not can_edit:
            messages.error(request, _("Your roles do not allow changing this registry."))
            return render(request, "web/forbidden.html", status=403)
        form = {name: request.POST.get(name, "").strip()[:200] for name in FORM_FIELDS}
        try:
            written = services.record_movement(
                actor=request.user, item_id=item.pk, kind=form["kind"],
                quantity=form["quantity"], reason=form["reason"],
                to_depot_code=form["to_depot"] or None,
            )  # fmt: skip
        except DomainError as exc:
            errors[exc.field if exc.field in FORM_FIELDS else "form"] = exc.message
        else:
            source = written[0]
            messages.success(request, _("Recorded: %(kind)s %(delta)s; stock is now %(balance)s.")
                             % {"kind": source.get_kind_display(), "delta": f"{source.delta:+f}",
                                "balance": f"{source.balance_after:f} {item.unit}"})  # fmt: skip
            return redirect("stock-movement", pk=item.pk)
    context: dict[str, Any] = {
        "spec": STOCK_ITEMS, "item": item, "form": form, "errors": errors,
        "kinds": MovementKind.choices, "can_edit": can_edit,
        "ledger": item.movements.select_related("to_depot").order_by("-occurred_at", "-pk")[
            :LEDGER_ROWS
        ],
    }  # fmt: skip
    return render(request, "registry/movement.html", context, status=422 if errors else 200)
