"""Admin: the 重大事故隐患判定标准 reference lists, kept current by an administrator."""

from django.contrib import admin

from yingji.hazards.models import Criterion


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("standard", "group", "sector", "number", "text", "active", "updated_at")
    list_filter = ("standard", "group", "sector", "active")
    search_fields = ("number", "text", "basis")
    ordering = ("standard", "id")
