"""Pages of the draw part of enforcement: the home page, 一单两库 and 双随机 plans."""

from django.urls import path

from yingji.enforcement import draw_views as views
from yingji.enforcement import lists_views

urlpatterns = [
    path("", views.home, name="enforcement-home"),
    path("items/", lists_views.item_list, name="enforcement-items"),
    path("items/new/", lists_views.item_form, name="enforcement-item-new"),
    path("items/import/", lists_views.item_import, name="enforcement-items-import"),
    path("items/<int:pk>/", lists_views.item_detail, name="enforcement-item"),
    path("items/<int:pk>/edit/", lists_views.item_form, name="enforcement-item-edit"),
    path("items/<int:pk>/void/", lists_views.item_void, name="enforcement-item-void"),
    path("inspectors/", lists_views.inspector_list, name="enforcement-inspectors"),
    path(
        "inspectors/<int:pk>/active/",
        lists_views.inspector_active,
        name="enforcement-inspector-active",
    ),
    path("conflicts/", lists_views.conflict_list, name="enforcement-conflicts"),
    path("conflicts/declare/", lists_views.conflict_list, name="enforcement-conflict-declare"),
    path(
        "conflicts/<int:pk>/withdraw/",
        lists_views.conflict_withdraw,
        name="enforcement-conflict-withdraw",
    ),
    path(
        "enterprises/search/", lists_views.enterprise_search, name="enforcement-enterprise-search"
    ),
    path("pool/", views.pool_page, name="enforcement-pool"),
    path("plans/", views.plan_list, name="enforcement-plans"),
    path("plans/new/", views.plan_new, name="enforcement-plan-new"),
    path("plans/<int:pk>/", views.plan_detail, name="enforcement-plan"),
    path("plans/<int:pk>/draw/", views.plan_draw, name="enforcement-plan-draw"),
    path("plans/<int:pk>/void/", views.plan_void, name="enforcement-plan-void"),
    path("plans/<int:pk>/verify/", views.plan_verify, name="enforcement-plan-verify"),
    path("plans/<int:pk>/inputs.json", views.plan_inputs, name="enforcement-plan-inputs"),
]
